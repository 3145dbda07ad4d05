"""Swedish prompt templates (package data, so a non-editable install carries them).
Read them with `assistant.llm.load_prompt(name)`."""
