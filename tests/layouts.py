"""A realistic test corpus of generated PDF and DOCX documents, with the
ground truth next to the generator.

Thirteen layouts, none of them the seed corpus's template, all text, nämnder and
names invented:

  a_tjut_ekudden.pdf    4-page tjänsteutlåtande: letterhead and dnr block on every
                        page, 'Sida N (M)', footer with address and phone, a
                        sentence across the page break 2→3 (justified text).
  b_yttr_park.pdf       another letterhead (logo line, förvaltning, date), page
                        numbers 'N (M)' at the bottom under an address footer, a
                        word hyphenated across the page break 1→2.
  c_program_2028.pdf    a programme: cover page, running header, bare page numbers,
                        numbered headings in bigger bold type, bullet lists (one
                        across a page break), a table, a sentence across 3→4.
  d_tjut_bergsvik.docx  Word draft: Title / Heading 1 / Heading 2 styles, header and
                        footer, a page break inside a paragraph, 'page break before'.
  e_remiss_2028.pdf     a remissvar on the 2028–2031 programme (mentions 2024–2027 in
                        passing), a third letterhead with 'Sida N av M' and, on page 1
                        only, the handläggare in small print.
  f_handlingsplan_2028.pdf  a programme whose two tables run over page breaks with
                        their header row repeated on each page (one from the foot of
                        page 1, one from the very top of page 3 to page 5): the first
                        header row is content, the repeats are furniture.
  g_uppfoljning_2028.pdf  a programme whose tables' header cells wrap, so each header
                        row reads as four lines, only one of them a table row (one table
                        from page 1 to 3, one from page 3 to 4 whose first cell wraps too):
                        every line of a repeat is furniture, the first header row content.
  h_tjut_vallby.pdf     a letterhead on page 1 only, its type/dnr/date/handläggare block on the
                        right (the reader goes back up the page for it); alternating running
                        heads with 'N (M)' at the top on later pages; an address footer.
  i_program_innehall.pdf  a programme with a table of contents (dot leaders) and numbered
                        headings set like the body text (no bold, no size).
  j_tjut_ostberg.docx   Word: the letterhead is the first-page header, later pages have their
                        own header and footer; numbered headings typed in the Normal style.
  k_atgarder_parker.pdf  tables at body size whose header cells the reader reads one after
                        another: a header row with no line of cells side by side (3 pages), one
                        ending in a line of cells side by side under a single repeat (2 pages),
                        a one-page table whose bold header lines are no headings.
  l_tjut_fotnoter.pdf   footnotes: superscript markers glued to words ('arbete¹'), the notes in
                        small print at the foot of the page above the footer, one of them between
                        the two halves of a sentence that runs over the page break 1→2.
  m_program_innehall.pdf  a table of contents without dot leaders (entry, then the page number
                        at the line end) under 'Innehållsförteckning'.

`build_corpus(folder)` writes them and returns the `Case`s: for each, the
paragraphs as they should read once cleaned (whole, page breaks joined), the
section and pages of every paragraph, the sentences that cross a page break,
every piece of page furniture drawn, and the metadata a reader would give the
document. `python tests/layouts.py` prints the per-layout table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def font_dir() -> Path | None:
    """Where DejaVu Sans lives (needed for å/ä/ö and dashes in fpdf2), or None."""
    return next((d for d in FONT_DIRS if (d / "DejaVuSans.ttf").exists() and (d / "DejaVuSans-Bold.ttf").exists()),
                None)


# --------------------------------------------------------------------------- ground truth


@dataclass
class Para:
    text: str  # as it should read once cleaned (whitespace-normalised)
    section: str  # the expected section name
    pages: tuple[int, int]  # first and last page it is on


@dataclass
class Case:
    name: str
    file: str
    n_pages: int
    paragraphs: list[Para] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)  # list items: each must start a line of its passage
    cells: list[tuple[str, str]] = field(default_factory=list)  # (table cell text, section)
    cross: list[tuple[str, int]] = field(default_factory=list)  # (sentence, page it starts on): pages N–N+1
    furniture: list[str] = field(default_factory=list)  # every header/footer/letterhead piece drawn
    # what a reader would give the document: namnd, doc_type (index.types.DOC_TYPES: a förvaltning's memo
    # to its nämnd is a tjänsteutlåtande even when it answers a remiss), period, dnr, remiss_dnr, date
    meta: dict = field(default_factory=dict)
    in_body: set = field(default_factory=set)  # furniture pieces the body text also contains
    # tables that run over a page break: (header row, body rows), each as one line; the header row is
    # content where the table begins and furniture where a page repeats it
    repeated: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def sections(self) -> list[str]:
        return list(dict.fromkeys(p.section for p in self.paragraphs))


def norm(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- content model
#
# A document is a list of pages; a page a list of blocks:
#   ("title", text)        the document title (once, page 1)
#   ("h", level, text)     a heading (level 1 main, 2 sub)
#   ("p", text)            a paragraph
#   ("c", text)            the rest of the previous page's last paragraph (a page break inside it)
#   ("lines", [text])      short lines kept as lines (title block, signature)
#   ("bullets", [text])    a bulleted list
#   ("table", [[cell]][, widths[, options]])  a table, first row the header (repeated on every page it runs
#                          on to); options go to fpdf2's table() (v_align="TOP": wrapped cells read line by line)


_MARKER = re.compile(r"\^(\d+)")  # a footnote marker in a paragraph's text: 'arbete^1' (drawn as a superscript)


def _truth(case: Case, pages: list[list[tuple]], preamble: str = "Inledning") -> Case:
    stack: list[tuple[int, str]] = []
    for pno, blocks in enumerate(pages, 1):
        for b in blocks:
            if b[0] in ("p", "c"):
                b = (b[0], _MARKER.sub("", b[1]))  # read without its footnote markers
            kind = b[0]
            section = " › ".join(t for _, t in stack) or preamble
            if kind == "h":
                while stack and stack[-1][0] >= b[1]:
                    stack.pop()
                stack.append((b[1], b[2]))
            elif kind == "p":
                case.paragraphs.append(Para(norm(b[1]), section, (pno, pno)))
            elif kind == "c":
                prev = case.paragraphs[-1]
                head, tail = prev.text, norm(b[1])
                joined = head[:-1] + tail if head.endswith("-") and tail[:1].islower() else f"{head} {tail}"
                case.paragraphs[-1] = Para(joined, prev.section, (prev.pages[0], pno))
                start = head.rfind(". ") + 2 if ". " in head else 0
                end = tail.find(". ") + 1 if ". " in tail else len(tail)
                first, rest = head[start:], tail[:end]
                sentence = first[:-1] + rest if first.endswith("-") and rest[:1].islower() else f"{first} {rest}"
                case.cross.append((sentence, pno - 1))
            elif kind == "bullets":
                case.bullets += [norm(x) for x in b[1]]
            elif kind == "table":
                case.cells += [(norm(c), section) for row in b[1] for c in row]
    # furniture pieces the body also says ('Parkförvaltningen är positiv …') are looked for as whole lines only
    body = " ".join([p.text for p in case.paragraphs] + case.bullets + [c for c, _ in case.cells])
    case.in_body = {norm(p) for p in case.furniture if norm(p) in body}
    return case


# --------------------------------------------------------------------------- PDF rendering


def _pdf_class():
    from fpdf import FPDF

    class Pdf(FPDF):
        def __init__(self, header=None, footer=None, **kw):
            super().__init__(format="A4", unit="mm", **kw)
            self._hdr, self._ftr = header, footer
            d = font_dir()
            if d is None:
                raise RuntimeError("DejaVu Sans is needed to write å/ä/ö (apt install fonts-dejavu-core)")
            self.add_font("sans", "", str(d / "DejaVuSans.ttf"))
            self.add_font("sans", "B", str(d / "DejaVuSans-Bold.ttf"))
            italic = d / "DejaVuSans-Oblique.ttf"
            self.add_font("sans", "I", str(italic if italic.exists() else d / "DejaVuSans.ttf"))

        def header(self):
            if self._hdr:
                self._hdr(self)

        def footer(self):
            if self._ftr:
                self._ftr(self)

    return Pdf


def _render(pdf, pages: list[list[tuple]], **style) -> None:
    """Each page's blocks on a new page (text that overflows flows on to the next)."""
    for blocks in pages:
        pdf.add_page()
        _render_blocks(pdf, blocks, **style)


def _render_blocks(pdf, blocks: list[tuple], *, body=10.5, h1=(12.5, "B"), h2=(10.5, "B"), title=(16, "B"),
                   align="L", bullet="•", line_h=5.2) -> None:
    for b in blocks:
        kind = b[0]
        if kind == "title":
            pdf.set_font("sans", title[1], title[0])
            pdf.multi_cell(0, title[0] * 0.5, b[1], new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        elif kind == "h":
            size, style = h1 if b[1] == 1 else h2
            pdf.ln(2)
            pdf.set_font("sans", style, size)
            pdf.multi_cell(0, size * 0.5, b[2], new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif kind in ("p", "c") and _MARKER.search(b[1]):  # with footnote markers: flowing text, markers raised
            pdf.set_font("sans", "", body)
            for k, part in enumerate(_MARKER.split(b[1])):
                pdf.char_vpos = "SUP" if k % 2 else "LINE"
                pdf.write(line_h, part)
            pdf.char_vpos = "LINE"
            pdf.ln(line_h)
            pdf.ln(2.5)
        elif kind in ("p", "c"):
            pdf.set_font("sans", "", body)
            pdf.multi_cell(0, line_h, b[1], align=align, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2.5)
        elif kind == "lines":
            pdf.set_font("sans", "", body)
            for ln in b[1]:
                pdf.cell(0, line_h, ln, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2.5)
        elif kind == "bullets":
            pdf.set_font("sans", "", body)
            for item in b[1]:
                pdf.set_x(pdf.l_margin + 4)
                pdf.multi_cell(0, line_h, f"{bullet} {item}", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2.5)
        elif kind == "table":  # ("table", rows[, column widths[, options]]): fpdf2 repeats the header row
            opts = dict(b[3]) if len(b) > 3 else {}  # on every page; options: fpdf2's table arguments (v_align,
            pdf.set_font("sans", "", opts.pop("font_size", body - 1))  # ...) and font_size (default body - 1)
            with pdf.table(first_row_as_headings=True, line_height=line_h,
                           col_widths=b[2] if len(b) > 2 else None, **opts) as table:
                for row in b[1]:
                    r = table.row()
                    for cell in row:
                        r.cell(cell)
            pdf.ln(3)
    return None


def _save(pdf, path: Path, n_pages: int) -> None:
    assert pdf.page == n_pages, f"{path.name}: laid out on {pdf.page} pages, meant {n_pages} (text overflowed)"
    path.write_bytes(bytes(pdf.output()))


def _write_pdf(path: Path, n_pages: int, header, footer, pages: list[list[tuple]], *,
               margins: tuple[float, float, float], bottom: float, **render) -> None:
    """One layout's PDF: page header/footer, margins (left, top, right), bottom margin, the pages' blocks."""
    pdf = _pdf_class()(header, footer)
    pdf.set_margins(*margins)
    pdf.set_auto_page_break(True, margin=bottom)
    _render(pdf, pages, **render)
    _save(pdf, path, n_pages)


# --------------------------------------------------------------------------- (a) tjänsteutlåtande, letterhead

A_NAMND = "Ekuddens stadsdelsnämnd"
A_DNR = "EK 2027/0412"


def layout_a(folder: Path) -> Case:
    n = 4
    furniture = ["STOCKHOLMS STAD", "Ekuddens stadsdelsförvaltning", "Avdelningen för individ- och familjeomsorg",
                 "Tjänsteutlåtande", f"Dnr {A_DNR}", "2027-03-16", "Ekuddens stadsdelsförvaltning",
                 "Sjövägen 14, Box 2071, 127 21 Skärholmen", "Telefon 08-508 24 000", "ekudden@stockholm.se",
                 *[f"Sida {i} ({n})" for i in range(1, n + 1)]]

    def header(pdf):
        pdf.set_y(10)
        pdf.set_font("sans", "B", 13)
        pdf.cell(95, 6, "STOCKHOLMS STAD")
        pdf.set_font("sans", "", 9)
        pdf.cell(0, 5, "Tjänsteutlåtande", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(95, 5, "Ekuddens stadsdelsförvaltning")
        pdf.cell(0, 5, f"Dnr {A_DNR}", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(95, 5, "Avdelningen för individ- och familjeomsorg")
        pdf.cell(0, 5, f"Sida {pdf.page_no()} ({{nb}})", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 5, "2027-03-16", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(42)

    def footer(pdf):
        pdf.set_y(-20)
        pdf.set_font("sans", "", 8)
        pdf.cell(0, 4, "Ekuddens stadsdelsförvaltning", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(70, 4, "Sjövägen 14, Box 2071, 127 21 Skärholmen")
        pdf.cell(45, 4, "Telefon 08-508 24 000")
        pdf.cell(0, 4, "ekudden@stockholm.se", new_x="LMARGIN", new_y="NEXT")

    pages = [
        [("lines", ["Handläggare", "Linnea Öberg", "Telefon: 08-508 24 117"]),
         ("lines", ["Till", A_NAMND]),
         ("title", "Svar på remiss om Stockholms stads trygghetsprogram 2024–2027"),
         ("lines", ["Remiss från kommunstyrelsen, KS 2026/1187"]),
         ("h", 1, "Förslag till beslut"),
         ("p", "Stadsdelsnämnden godkänner förvaltningens tjänsteutlåtande och överlämnar det till "
               "kommunstyrelsen som svar på remissen."),
         ("h", 1, "Sammanfattning"),
         ("p", "Förvaltningen välkomnar att programmet lyfter fram vuxennärvaro i skolans närmiljö och ser "
               "positivt på att stadsdelarna får ett tydligare samordningsansvar för det lokala "
               "trygghetsarbetet."),
         ("p", "Förvaltningen föreslår samtidigt att programmet förtydligar hur uppföljningen av lokala "
               "lägesbilder ska gå till, så att åtgärderna i Ekudden kan prioriteras utifrån var behoven är "
               "störst.")],
        [("h", 1, "Bakgrund"),
         ("p", "Kommunstyrelsen har remitterat förslaget till nytt trygghetsprogram till samtliga "
               "stadsdelsnämnder. Programmet ska ersätta det nuvarande programmet och gälla för alla "
               "nämnder och bolagsstyrelser i staden."),
         ("h", 1, "Ärendets beredning"),
         ("p", "Ärendet har beretts inom avdelningen för individ- och familjeomsorg i samråd med "
               "förvaltningens trygghetssamordnare och fältassistenterna."),
         ("h", 1, "Förvaltningens synpunkter och förslag"),
         ("h", 2, "Vuxennärvaro och nattvandring"),
         ("p", "I Ekudden har föreningslivet under flera år organiserat nattvandringar på fredags- och "
               "lördagskvällar. Förvaltningen ser ett stort värde i detta arbete och därför behöver "
               "staden fortsätta att ge ekonomiskt stöd till de")],
        [("c", "föreningar som bedriver nattvandring i området under helger och skollov. Utan ett sådant "
               "stöd är det svårt för föreningarna att rekrytera nya vuxna."),
         ("h", 2, "Samverkan med polisen"),
         ("p", "Förvaltningen anser att samverkansöverenskommelsen med lokalpolisområdet fungerar väl. "
               "Programmet bör dock beskriva hur medborgarlöften följs upp gemensamt, så att invånarna "
               "kan se vilka åtgärder som genomförts."),
         ("p", "Förvaltningen vill också att staden tar fram en gemensam mall för trygghetsvandringar, "
               "där resultaten från vandringarna återkopplas till de boende inom tre månader.")],
        [("h", 2, "Ansvar och resurser"),
         ("p", "Förvaltningen delar bedömningen att det brottsförebyggande arbetet ska bedrivas inom "
               "ordinarie verksamhet. Det samordningsansvar som läggs på stadsdelsnämnderna kräver dock "
               "att resurser för lokala trygghetssamordnare säkras långsiktigt."),
         ("lines", ["Tomas Källström", "Stadsdelsdirektör"])],
    ]
    path = folder / "a_tjut_ekudden.pdf"
    _write_pdf(path, n, header, footer, pages, margins=(20, 42, 20), bottom=28,
               body=11, h1=(12, "B"), h2=(11, "B"), title=(15, "B"), align="J")
    case = Case("a: tjänsteutlåtande, brevhuvud + Sida N (M)", path.name, n, furniture=furniture,
                meta={"namnd": A_NAMND, "doc_type": "tjänsteutlåtande", "period": "2024-2027", "dnr": A_DNR,
                      "remiss_dnr": "KS 2026/1187", "date": "2027-03-16"})
    return _truth(case, pages)


# --------------------------------------------------------------------------- (b) second letterhead, N (M)

B_NAMND = "Parknämnden"


def layout_b(folder: Path) -> Case:
    n = 3
    furniture = ["◆ Stockholms stad", "Parkförvaltningen", "Yttrande", "Datum 2027-05-04", "Diarienummer PN 2027-0055",
                 "Parkförvaltningen, Strandparksvägen 9, 118 59 Stockholm",
                 "Växel 08-508 27 500 • parkforvaltningen@stockholm.se • Org.nr 212000-0142",
                 *[f"{i} ({n})" for i in range(1, n + 1)]]

    def header(pdf):
        pdf.set_y(12)
        pdf.set_font("sans", "B", 10)
        pdf.cell(0, 5, "◆ Stockholms stad", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("sans", "", 9)
        pdf.cell(120, 5, "Parkförvaltningen")
        pdf.cell(0, 5, "Yttrande", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(120, 5, "Diarienummer PN 2027-0055")
        pdf.cell(0, 5, "Datum 2027-05-04", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(38)

    def footer(pdf):
        pdf.set_y(-22)
        pdf.set_font("sans", "", 7.5)
        pdf.cell(0, 4, "Parkförvaltningen, Strandparksvägen 9, 118 59 Stockholm", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 4, "Växel 08-508 27 500 • parkforvaltningen@stockholm.se • Org.nr 212000-0142",
                 new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("sans", "", 9)
        pdf.cell(0, 5, f"{pdf.page_no()} ({{nb}})", align="R")

    pages = [
        [("title", "Trygghetsprogram för Stockholms stad 2024–2027 – yttrande"),
         ("h", 1, "Förvaltningens förslag till beslut"),
         ("p", "Parknämnden godkänner förvaltningens yttrande och överlämnar det till kommunstyrelsen."),
         ("h", 1, "Sammanfattning"),
         ("p", "Parkförvaltningen är i huvudsak positiv till förslaget. Förvaltningen efterfrågar ett "
               "tydligare ansvar för belysning i parker och grönområden samt en gemensam rutin för "
               "att rapportera klotter och skadegörelse."),
         ("h", 1, "Bakgrund"),
         ("p", "Programmet har remitterats till facknämnderna för yttrande. Parknämnden ansvarar för "
               "skötseln av stadens större parker, lekplatser och badplatser."),
         ("h", 1, "Förvaltningens synpunkter"),
         ("p", "Förvaltningen har under de senaste åren genomfört trygghetsinventeringar i tolv parker. "
               "Erfarenheterna visar att ljussättning och röjning av buskage ökar upplevd trygghet, "
               "särskilt för kvinnor och äldre. Förvaltningen vill därför att programmet nämner de "
               "nya trygg-")],
        [("c", "hetsvandringarna i parkerna som en metod, och att resultaten samlas i stadens gemensamma "
               "lägesbild."),
         ("p", "Förvaltningen påpekar också att åtgärder för trygghet behöver vägas mot naturvärden. "
               "Röjning av buskage får inte ske i områden med höga värden för biologisk mångfald utan "
               "att en bedömning först har gjorts."),
         ("p", "Slutligen önskar förvaltningen att programmet anger vem som ansvarar för att samordna "
               "insatser i parker som gränsar mot flera stadsdelsområden.")],
        [("p", "Förvaltningen bidrar gärna i det fortsatta arbetet med att ta fram en handlingsplan för "
               "trygga parker och grönområden."),
         ("lines", ["Agneta Frisk", "Förvaltningschef"])],
    ]
    path = folder / "b_yttr_park.pdf"
    _write_pdf(path, n, header, footer, pages, margins=(25, 38, 25), bottom=30,
               body=10.5, h1=(10.5, "B"), title=(14, "B"))
    case = Case("b: annat brevhuvud, N (M) i sidfoten", path.name, n, furniture=furniture,
                meta={"namnd": B_NAMND, "doc_type": "yttrande", "period": "2024-2027", "dnr": "PN 2027-0055",
                      "date": "2027-05-04"})
    return _truth(case, pages)


# --------------------------------------------------------------------------- (c) programme: headings, bullets, table

C_TITLE = "Trygghetsprogram för Stockholms stad 2028–2031"


def layout_c(folder: Path) -> Case:
    n = 5
    furniture = [C_TITLE + " · Remissversion", *[str(i) for i in range(2, n + 1)]]

    def header(pdf):
        if pdf.page_no() > 1:
            pdf.set_y(10)
            pdf.set_font("sans", "I", 8)
            pdf.cell(0, 4, C_TITLE + " · Remissversion", align="R")
            pdf.set_y(25)

    def footer(pdf):
        if pdf.page_no() > 1:
            pdf.set_y(-15)
            pdf.set_font("sans", "", 9)
            pdf.cell(0, 5, str(pdf.page_no()), align="C")

    pages = [
        [("title", C_TITLE),
         ("p", "Program för stadens brottsförebyggande och trygghetsskapande arbete. Förslag till "
               "kommunfullmäktige, remitterat till nämnder och bolagsstyrelser under våren 2027.")],
        [("h", 1, "1 Inledning"),
         ("p", "Trygghetsprogrammet anger inriktningen för stadens brottsförebyggande och "
               "trygghetsskapande arbete under perioden 2028–2031. Programmet ersätter det tidigare "
               "programmet för 2024–2027."),
         ("h", 2, "1.1 Programmets syfte"),
         ("p", "Syftet är att samla stadens insatser i en gemensam struktur så att nämnder och bolag "
               "arbetar mot samma mål och kan följa upp resultaten på ett jämförbart sätt."),
         ("h", 2, "1.2 Mål för perioden"),
         ("p", "Det övergripande målet är att Stockholm ska vara en trygg stad där invånarna kan röra sig "
               "fritt i alla stadsdelar oavsett tid på dygnet. Programmet har fyra fokusområden:"),
         ("bullets", ["Tidiga insatser för barn och unga i riskzon",
                      "Trygga offentliga miljöer och god belysning",
                      "Stöd till brottsutsatta och vittnen"])],
        [("bullets", ["Samverkan med civilsamhälle, näringsliv och polis"]),
         ("h", 1, "2 Ansvar och organisation"),
         ("p", "Varje nämnd ansvarar för att det brottsförebyggande perspektivet integreras i den "
               "ordinarie verksamheten. Stadsdelsnämnderna har därutöver ett geografiskt "
               "samordningsansvar."),
         ("h", 2, "2.1 Lokala lägesbilder"),
         ("p", "Stadsdelsnämnderna ska varje år ta fram en lokal lägesbild tillsammans med polisen. "
               "Lägesbilden ska bygga på statistik, trygghetsmätningar och dialog med invånarna."),
         ("table", [["Fokusområde", "Ansvarig nämnd", "Uppföljning"],
                    ["Barn och unga", "Utbildningsnämnden", "Årligen"],
                    ["Offentlig miljö", "Trafiknämnden", "Varje halvår"],
                    ["Brottsutsatta", "Socialnämnden", "Årligen"]])],
        [("h", 1, "3 Genomförande"),
         ("p", "Programmet genomförs genom nämndernas verksamhetsplaner. Varje nämnd beskriver i sin "
               "verksamhetsplan vilka aktiviteter som bidrar till programmets mål och hur de följs upp."),
         ("h", 2, "3.1 Samverkan"),
         ("p", "Samverkan sker på central, regional och lokal nivå. Samverkansöverenskommelsen mellan "
               "staden och polisen förnyas vart fjärde år och ska kompletteras med lokala "
               "medborgarlöften. För att samverkan ska ge resultat krävs att alla parter avsätter tid "
               "och att de lokala överenskommelserna kopplas till")],
        [("c", "den gemensamma lägesbilden för respektive stadsdelsområde. Kommunstyrelsen följer upp "
               "samverkan årligen."),
         ("h", 1, "4 Uppföljning"),
         ("p", "Programmet följs upp årligen i stadens ordinarie uppföljning av mål och budget. "
               "Resultaten redovisas för kommunfullmäktige.")],
    ]
    path = folder / "c_program_2028.pdf"
    _write_pdf(path, n, header, footer, pages, margins=(22, 25, 22), bottom=22,
               body=10.5, h1=(16, "B"), h2=(12.5, "B"), title=(24, "B"))
    case = Case("c: program, rubriker/punktlistor/tabell", path.name, n, furniture=furniture,
                meta={"namnd": "", "doc_type": "program", "period": "2028-2031"})
    return _truth(case, pages)


# --------------------------------------------------------------------------- (d) DOCX with styles, header/footer

D_NAMND = "Bergsviks stadsdelsnämnd"


def layout_d(folder: Path) -> Case:
    import docx
    from docx.enum.text import WD_BREAK

    header_lines = ["Bergsviks stadsdelsförvaltning\tTjänsteutlåtande\tDnr BV 2027/301", "Utkast 2027-09-02"]
    footer_lines = ["Bergsviks stadsdelsförvaltning · Storgatan 12 · 163 55 Spånga · Telefon 08-508 03 000"]
    pages = [
        [("title", "Remissvar om trygghetsprogram för Stockholms stad 2028–2031"),
         ("h", 1, "Förslag till beslut"),
         ("p", "Stadsdelsnämnden godkänner förvaltningens förslag till svar på remissen."),
         ("h", 1, "Sammanfattning"),
         ("p", "Förvaltningen ställer sig bakom programmets inriktning. Förvaltningen ser gärna att "
               "programmet tydligare beskriver hur skolor och fritidsgårdar kan samverka under "
               "sommarlovet, eftersom många ungdomar i Bergsvik saknar sysselsättning under de")],
        [("c", "veckor då skolan är stängd och fritidsgårdarnas öppettider är begränsade. "
               "Förvaltningen föreslår längre öppettider under juli."),
         ("h", 1, "Ärendet"),
         ("p", "Kommunstyrelsen har skickat förslaget till nytt trygghetsprogram på remiss. "
               "Svaret ska lämnas senast den 30 oktober 2027.")],
        [("h", 1, "Förvaltningens synpunkter"),
         ("h", 2, "Fritid och sommarlov"),
         ("p", "Fritidsgårdarna i Bergsvik har goda erfarenheter av sommaröppet med uppsökande "
               "fältarbete. Förvaltningen vill att arbetssättet sprids till fler stadsdelsområden."),
         ("h", 2, "Belysning och gångstråk"),
         ("p", "Flera gångstråk mellan tunnelbanan och bostadsområdena upplevs som otrygga kvällstid. "
               "Förvaltningen föreslår att trafiknämnden prioriterar belysning längs dessa stråk.")],
    ]
    d = docx.Document()
    sec = d.sections[0]
    sec.header.paragraphs[0].text = header_lines[0]
    sec.header.add_paragraph(header_lines[1])
    sec.footer.paragraphs[0].text = footer_lines[0]
    pending_break = False
    for pno, blocks in enumerate(pages):
        for k, b in enumerate(blocks):
            kind = b[0]
            if kind == "title":
                par = d.add_heading(b[1], level=0)
            elif kind == "h":
                par = d.add_heading(b[2], level=b[1])
            elif kind == "p":
                par = d.add_paragraph(b[1])
            elif kind == "c":
                last.add_run().add_break(WD_BREAK.PAGE)  # noqa: F821 - the paragraph before the break
                last.add_run(b[1])
                pending_break = False
                continue
            if pending_break:
                par.paragraph_format.page_break_before = True
                pending_break = False
            last = par
        nxt = pages[pno + 1] if pno + 1 < len(pages) else None
        pending_break = bool(nxt) and nxt[0][0] != "c"
    path = folder / "d_tjut_bergsvik.docx"
    d.save(path)
    furniture = [*(part for ln in header_lines for part in ln.split("\t")), *footer_lines]
    case = Case("d: DOCX, formatmallar + sidhuvud/sidfot", path.name, len(pages), furniture=furniture,
                meta={"namnd": D_NAMND, "doc_type": "tjänsteutlåtande", "period": "2028-2031", "dnr": "BV 2027/301"})
    return _truth(case, pages)


# --------------------------------------------------------------------------- (e) remissvar on the 2028–2031 programme

E_NAMND = "Friluftsnämnden"
E_CONTACT = "Handläggare Elin Sandberg, telefon 08-508 40 112"


def layout_e(folder: Path) -> Case:
    n = 3
    furniture = ["Friluftsförvaltningen", "Tjänsteutlåtande", "Dnr FRN 2027/88", "2027-04-22",
                 "Friluftsförvaltningen | Besöksadress Vinterviksvägen 4 | Postadress Box 8100, 104 20 Stockholm",
                 "Telefon 08-508 40 000 | friluft@stockholm.se | stockholm.se/friluft",
                 E_CONTACT, *[f"Sida {i} av {n}" for i in range(1, n + 1)]]

    def header(pdf):
        pdf.set_y(9)
        pdf.set_font("sans", "B", 11)
        pdf.cell(110, 5, "Friluftsförvaltningen")
        pdf.set_font("sans", "", 9)
        pdf.cell(0, 5, "Tjänsteutlåtande", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(110, 5, "")
        pdf.cell(0, 5, "Dnr FRN 2027/88", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(110, 5, "")
        pdf.cell(0, 5, "2027-04-22", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(110, 5, "")
        pdf.cell(0, 5, f"Sida {pdf.page_no()} av {{nb}}", new_x="LMARGIN", new_y="NEXT")
        if pdf.page_no() == 1:  # first page only: the handläggare, in small print
            pdf.set_font("sans", "", 7.5)
            pdf.cell(0, 4, E_CONTACT, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(40)

    def footer(pdf):
        pdf.set_y(-18)
        pdf.set_font("sans", "", 7.5)
        pdf.cell(0, 4, "Friluftsförvaltningen | Besöksadress Vinterviksvägen 4 | Postadress Box 8100, "
                       "104 20 Stockholm", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 4, "Telefon 08-508 40 000 | friluft@stockholm.se | stockholm.se/friluft")

    pages = [
        [("lines", ["Till Friluftsnämnden"]),
         ("title", "Remissvar – Trygghetsprogram för Stockholms stad 2028–2031"),
         ("lines", ["KS 2027/1654"]),
         ("h", 1, "Förslag till beslut"),
         ("p", "Friluftsnämnden överlämnar förvaltningens tjänsteutlåtande som svar på remissen."),
         ("h", 1, "Sammanfattning"),
         ("p", "Förvaltningen tillstyrker förslaget till trygghetsprogram. Jämfört med programmet för "
               "2024–2027 har det nya förslaget ett tydligare fokus på offentliga miljöer, vilket "
               "förvaltningen välkomnar."),
         ("h", 1, "Bakgrund"),
         ("p", "Friluftsnämnden ansvarar för stadens friluftsgårdar, motionsspår och naturreservat. "
               "Verksamheten har många besökare även under den mörka delen av året och därför är "
               "belysta motionsspår en viktig")],
        [("c", "trygghetsfråga för de som tränar efter arbetstid. Förvaltningen ser ett behov av fler "
               "belysta slingor."),
         ("h", 1, "Förvaltningens synpunkter"),
         ("p", "Förvaltningen anser att programmet bör lyfta fram friluftslivets betydelse för "
               "folkhälsa och trygghet. Välbesökta platser upplevs som tryggare, och aktiviteter i "
               "naturen kan vara ett sätt att nå unga som annars inte deltar i föreningslivet."),
         ("p", "Förvaltningen föreslår att programmets uppföljning kompletteras med mått på hur "
               "trygga invånarna känner sig i stadens natur- och friluftsområden.")],
        [("p", "Förvaltningen deltar gärna i den fortsatta samverkan kring programmets genomförande."),
         ("lines", ["Sofia Nyström", "Förvaltningschef"])],
    ]
    path = folder / "e_remiss_2028.pdf"
    _write_pdf(path, n, header, footer, pages, margins=(24, 40, 24), bottom=26,
               body=10.5, h1=(12, "B"), title=(14, "B"))
    case = Case("e: remissvar 2028–2031, Sida N av M", path.name, n, furniture=furniture,
                meta={"namnd": E_NAMND, "doc_type": "tjänsteutlåtande", "period": "2028-2031", "dnr": "FRN 2027/88",
                      "remiss_dnr": "KS 2027/1654", "date": "2027-04-22"})
    return _truth(case, pages)


# --------------------------------------------------------------------------- (f) programme: tables across pages

F_TITLE = "Handlingsplan för trygghetsprogrammet 2028–2031"
F_RUNNING = "Stockholms stad · Handlingsplan 2028–2031"
F_TABLE_A = [["Åtgärd", "Ansvar", "Tidplan"],
             ["Belysning längs gång- och cykelstråk", "Trafiknämnden", "2028"],
             ["Röjning av buskage i större parker", "Stadsdelsnämnderna", "2028–2029"],
             ["Trygghetsvandringar i bostadsområden", "Stadsdelsnämnderna", "Årligen"],
             ["Kameraövervakning vid tunnelbanan", "Kommunstyrelsen", "2029"],
             ["Upprustning av lekplatser", "Stadsdelsnämnderna", "2029–2030"],
             ["Snabb sanering av klotter", "Trafiknämnden", "Löpande"],
             ["Trygga entréer till skolgårdar", "Utbildningsnämnden", "2030"],
             ["Belysta motionsspår i naturreservat", "Idrottsnämnden", "2028"]]
_F_INSATSER = (  # (insats, målgrupp, uppföljning)
    ("Sommarjobb för ungdomar", "Unga 16–19 år", "Varje höst"),
    ("Fältassistenter kvällstid", "Unga 13–17 år", "Halvårsvis"),
    ("Läxhjälp på biblioteken", "Elever i grundskolan", "Varje termin"),
    ("Föräldrastöd i grupp", "Vårdnadshavare", "Årligen"),
    ("Mentorer i idrottsföreningar", "Unga 10–15 år", "Årligen"),
    ("Öppen fritidsgård på helger", "Unga 13–19 år", "Varje kvartal"),
    ("Skolsociala team", "Elever i riskzon", "Varje termin"),
    ("Nattvandring med föreningar", "Unga i centrum", "Halvårsvis"),
    ("Sociala insatsgrupper", "Unga 15–20 år", "Varje kvartal"),
    ("Ungdomsråd i stadsdelarna", "Unga 13–18 år", "Årligen"),
    ("Lovaktiviteter i parkerna", "Barn 6–12 år", "Efter varje lov"),
    ("Samtalsstöd efter brott", "Unga brottsoffer", "Halvårsvis"),
    ("Drogförebyggande lektioner", "Elever i årskurs 7", "Varje termin"),
    ("Kvällsöppen simhall", "Unga 13–19 år", "Årligen"),
    ("Arbetsträning i kommunen", "Unga utan sysselsättning", "Varje kvartal"),
    ("Stöd till idrottsledare", "Ledare i föreningar", "Årligen"),
    ("Digitalt fältarbete", "Unga på sociala medier", "Halvårsvis"),
    ("Familjecentraler", "Familjer med små barn", "Årligen"),
    ("Språkstöd i förskolan", "Barn 3–5 år", "Varje termin"),
    ("Trygga skolvägar", "Elever i lågstadiet", "Varje höst"),
    ("Kulturskola i förorten", "Barn 8–15 år", "Varje termin"),
    ("Ungdomsmottagning kvällstid", "Unga 13–23 år", "Årligen"),
    ("Mötesplatser för tjejer", "Tjejer 12–18 år", "Halvårsvis"),
    ("Samverkan skola och socialtjänst", "Elever med hög frånvaro", "Varje termin"),
    ("Praktik hos bostadsbolagen", "Unga 16–20 år", "Varje kvartal"),
    ("Stödgrupper för syskon", "Syskon till unga i kriminalitet", "Årligen"),
    ("Ledarutbildning för unga", "Unga 15–19 år", "Årligen"),
    ("Nattöppen idrottshall", "Unga 15–20 år", "Varje kvartal"),
    ("Avhopparverksamhet", "Unga i kriminella nätverk", "Halvårsvis"),
    ("Hembesök av fältsekreterare", "Familjer i riskzon", "Varje termin"),
    ("Tidiga samtal i förskoleklass", "Vårdnadshavare", "Årligen"),
    ("Gatuteam i centrum", "Unga i centrala Stockholm", "Varje kvartal"),
    ("Feriepraktik i parkförvaltningen", "Unga 16–18 år", "Varje höst"),
    ("Fritidsbank med gratis utrustning", "Barn och unga", "Årligen"),
    ("Uppsökande arbete vid köpcentrum", "Unga 13–19 år", "Halvårsvis"),
    ("Läger under sommarlovet", "Barn 9–14 år", "Efter sommaren"),
    ("Mentorskap med poliser", "Unga 14–17 år", "Årligen"),
    ("Skolnärvaroteam", "Elever med frånvaro", "Varje termin"),
    ("Fotbollsturneringar på kvällen", "Unga 12–18 år", "Varje höst"),
    ("Stöd vid återgång till skola", "Unga efter placering", "Halvårsvis"),
    ("Rådgivning för föräldrar på nätet", "Vårdnadshavare", "Årligen"),
    ("Öppen förskola i bostadsområdet", "Familjer med små barn", "Varje termin"),
    ("Dans och musik på fritidsgårdar", "Unga 12–17 år", "Varje kvartal"),
    ("Krisstöd efter våldshändelser", "Unga och vittnen", "Efter varje händelse"),
    ("Utbildning i konflikthantering", "Elever i årskurs 8", "Varje termin"))
F_TABLE_B = [["Insats", "Målgrupp", "Uppföljning"],
             *[[f"{name} i {area}", group, follow]
               for area, k in (("Ekudden", 46), ("Bergsvik", 46), ("Västerbrink", 12))
               for name, group, follow in _F_INSATSER[:k]]]


def _f_pages() -> list[list[tuple]]:
    """Layout f's blocks by the page they begin on (a table flows on over the next pages)."""
    widths = (50, 30, 20)
    return [
        [("title", F_TITLE),
         ("p", "Handlingsplanen beskriver hur stadens nämnder genomför trygghetsprogrammet under perioden "
               "2028–2031. Den revideras varje år i samband med uppföljningen av programmet."),
         ("p", "Planen bygger på programmets fyra fokusområden och på de synpunkter som nämnderna, "
               "bolagsstyrelserna och civilsamhällets organisationer lämnade under remissen. Varje "
               "fokusområde har en eller flera åtgärder med en ansvarig nämnd, och åtgärderna ska "
               "rymmas inom nämndernas ordinarie budgetar om inget annat anges."),
         ("bullets", ["Tidiga insatser för barn och unga", "Trygga offentliga miljöer",
                      "Stöd till brottsutsatta", "Samverkan med civilsamhälle och polis"]),
         ("p", "Handlingsplanen ersätter inte nämndernas egna planer. Den samlar i stället de åtgärder "
               "som kräver samordning mellan flera nämnder eller som kommunfullmäktige har gett ett "
               "särskilt uppdrag om, så att ansvaret blir tydligt och uppföljningen jämförbar."),
         ("h", 1, "1 Åtgärder i offentlig miljö"),
         ("p", "Trafiknämnden och stadsdelsnämnderna ansvarar för de flesta åtgärderna i den offentliga "
               "miljön. Åtgärderna har valts ut efter trygghetsmätningen och de lokala lägesbilderna. "
               "Varje åtgärd har en ansvarig nämnd och en tidplan, och nämnderna redovisar "
               "genomförandet i sina verksamhetsberättelser. Där en åtgärd berör flera nämnder "
               "samordnar kommunstyrelsen arbetet tillsammans med den nämnd som står först i "
               "tabellen. Åtgärderna följs upp årligen."),
         ("p", "Tabellen nedan sammanfattar åtgärderna, den nämnd som ansvarar för varje åtgärd och när "
               "den ska vara genomförd. Åtgärder som redan pågår anges som löpande. En åtgärd som "
               "flyttas till ett senare år redovisas med skälet till förseningen, och en åtgärd som "
               "utgår ersätts med en annan åtgärd inom samma fokusområde efter beslut i nämnden."),
         ("p", "Förteckningen är inte uttömmande. Nämnderna kan besluta om fler åtgärder inom ramen "
               "för sina budgetar, och stadsdelsnämnderna ska särskilt beakta de platser som "
               "invånarna pekat ut som otrygga i dialoger och medborgarlöften. Åtgärder som kräver "
               "investeringar prövas i stadens ordinarie investeringsprocess, där trygghetsaspekten "
               "ska vägas in. Nämnderna ska också samråda med de bostadsbolag, fastighetsägare och "
               "föreningar som verkar på platserna innan en åtgärd genomförs, så att insatserna "
               "kompletterar varandra. Erfarenheterna från tidigare program visar att åtgärder som "
               "planeras tillsammans med dem som använder platserna ger större effekt på den upplevda "
               "tryggheten än åtgärder som genomförs av en enskild nämnd. Därför redovisas samrådet i "
               "uppföljningen."),
         ("table", F_TABLE_A, widths)],
        [("p", "Kommunstyrelsen sammanställer nämndernas redovisningar och rapporterar till "
               "kommunfullmäktige."),
         ("h", 1, "2 Insatser för barn och unga"),
         ("p", "Insatserna för barn och unga bygger på tidiga och samordnade insatser från skola, "
               "socialtjänst och fritidsverksamhet. Tabellen på nästa sida visar insatserna, vilka de "
               "riktar sig till och hur ofta de följs upp.")],
        [("table", F_TABLE_B, widths)],
        [],
        [("p", "Insatserna följs upp av respektive nämnd och sammanställs av kommunstyrelsen."),
         ("h", 1, "3 Uppföljning"),
         ("p", "Handlingsplanen följs upp årligen tillsammans med trygghetsprogrammet. Resultaten "
               "redovisas för kommunfullmäktige.")],
    ]


F_STYLE = dict(body=10.5, h1=(13, "B"), title=(18, "B"))


def _running_header(text: str):
    """An fpdf2 header: `text` right-aligned at the top of every page (layouts f and g)."""
    def header(pdf):
        pdf.set_y(10)
        pdf.set_font("sans", "", 8)
        pdf.cell(0, 4, text, align="R")
        pdf.set_y(22)
    return header


def _page_number_footer():
    """An fpdf2 footer: "Sida N (M)" centred at the foot of every page."""
    def footer(pdf):
        pdf.set_y(-14)
        pdf.set_font("sans", "", 8)
        pdf.cell(0, 4, f"Sida {pdf.page_no()} ({{nb}})", align="C")
    return footer


def _f_pdf(header=None, footer=None):
    pdf = _pdf_class()(header, footer)
    pdf.set_margins(22, 22, 22)
    pdf.set_auto_page_break(True, margin=20)
    return pdf


def _programme_case(folder: Path, letter: str, file: str, name: str, running: str, pages: list[list[tuple]],
                    new_pages: tuple[int, ...], tables: tuple, n: int) -> Case:
    """A programme PDF (layouts f, g, k): `running` at the top and "Sida N (M)" at the foot of every page,
    the blocks of each page drawn in F_STYLE, a page begun by hand before the pages in `new_pages` (the
    others are begun by fpdf2's automatic page break, which the assertion checks); the repeated header
    rows of `tables` are furniture."""
    pdf = _f_pdf(_running_header(running), _page_number_footer())
    for pno, blocks in enumerate(pages, 1):
        if pno in new_pages:
            pdf.add_page()
        if blocks:
            assert pdf.page == pno, f"layout {letter}: the blocks of page {pno} begin on page {pdf.page}"
            _render_blocks(pdf, blocks, **F_STYLE)
    path = folder / file
    _save(pdf, path, n)
    case = Case(name, path.name, n, furniture=[running, *[f"Sida {i} ({n})" for i in range(1, n + 1)]],
                meta={"namnd": "", "doc_type": "program", "period": "2028-2031"},
                repeated=[(" ".join(t[0]), [" ".join(r) for r in t[1:]]) for t in tables])
    return _truth(case, pages)


def _bare_page_number_footer(size: float = 9):
    """An fpdf2 footer: the bare page number, centred, from page 2 on (layouts i, l, m)."""
    def footer(pdf):
        if pdf.page_no() > 1:
            pdf.set_y(-14)
            pdf.set_font("sans", "", size)
            pdf.cell(0, 5, str(pdf.page_no()), align="C")
    return footer


def layout_f(folder: Path) -> Case:
    """A programme whose tables run over page breaks: fpdf2 repeats each table's header
    row at the top of every page it continues on. Table A starts at the foot of page 1
    (header and two rows) and goes on on page 2; table B starts at the very top of
    page 3, under the running header, and runs to page 5. The first header row of each
    is content (the column names), the repeats are furniture."""
    return _programme_case(folder, "f", "f_handlingsplan_2028.pdf", "f: program, tabeller över sidbrytningar",
                           F_RUNNING, _f_pages(), (1, 3), (F_TABLE_A, F_TABLE_B), 5)


# --------------------------------------------------------------------------- (g) programme: wrapped header rows

G_TITLE = "Uppföljningsplan för trygghetsprogrammet 2028–2031"
G_RUNNING = "Stockholms stad · Uppföljningsplan 2028–2031"
_G_INSATSER = [r for r in _F_INSATSER if not r[0].startswith(("Stödgrupper", "Uppsökande"))]  # rows on one line
# the header cells wrap: the second and third (the first line of the row is the table row to the reader, the
# wrapped rests lines of their own), and in table D also the first (the first two lines are no table row)
G_TABLE_C = [["Insats", "Målgrupp och ålder för insatsen", "Uppföljning och rapport"],
             *[[f"{name} i {area}", group, follow]
               for area, k in (("Ekudden", 43), ("Bergsvik", 43), ("Västerbrink", 3))
               for name, group, follow in _G_INSATSER[:k]]]
G_TABLE_D = [["Insats som nämnden ansvarar för och genomför", "Målgrupp", "Uppföljning och rapport"],
             *[[f"{name} i skolan", group, follow] for name, group, follow in _G_INSATSER[:40]]]


def _g_pages() -> list[list[tuple]]:
    """Layout g's blocks by the page they begin on (tables flow on over the next pages)."""
    widths, top = (46, 30, 24), {"v_align": "TOP"}
    return [
        [("title", G_TITLE),
         ("p", "Uppföljningsplanen beskriver hur stadens nämnder följer upp insatserna i trygghetsprogrammet."),
         ("h", 1, "1 Insatser i stadsdelarna"),
         ("p", "Tabellen visar insatserna i stadsdelarna, vilka de riktar sig till och hur de följs upp."),
         ("table", G_TABLE_C, widths, top)],
        [],
        [("p", "Stadsdelsnämnderna redovisar insatserna i sina verksamhetsberättelser."),
         ("h", 1, "2 Insatser i skolan"),
         ("p", "Utbildningsnämnden ansvarar för insatserna i skolan tillsammans med stadsdelsnämnderna."),
         ("table", G_TABLE_D, widths, top)],
        [("p", "Insatserna i skolan följs upp varje termin."),
         ("h", 1, "3 Uppföljning"),
         ("p", "Uppföljningsplanen revideras varje år.")],
    ]


def layout_g(folder: Path) -> Case:
    """Tables whose header cells wrap (set top-aligned, so each wrapped line of a
    cell reads as a line of its own): table C from the middle of page 1 over
    pages 2 and 3, its header row four lines, the first of them a table row;
    table D from page 3 on to page 4, its first cell wrapping too, so the
    first two of its four header lines are no table row. The header rows
    where the tables begin are content, every repeated line of them furniture."""
    return _programme_case(folder, "g", "g_uppfoljning_2028.pdf", "g: program, tabellrubriker på flera rader",
                           G_RUNNING, _g_pages(), (1,), (G_TABLE_C, G_TABLE_D), 4)


# --------------------------------------------------------------------------- (h) letterhead block on the right

H_NAMND = "Vallby stadsdelsnämnd"
H_DNR = "VA 2028/123"
H_CONTACT = "Kim Ahlström"
H_FOOTER = "Vallby stadsdelsförvaltning · Vallbyvägen 3 · 163 70 Spånga · Växel 08-508 55 000 · stockholm.se"


def layout_h(folder: Path) -> Case:
    """A tjänsteutlåtande whose page-1 letterhead has a block on the right
    (type, dnr, date, handläggare) drawn after the block on the left, so the
    reader goes back up the page for it; later pages carry book-style running
    heads that alternate (even pages: page number left, förvaltning right;
    odd pages: type and dnr left, page number right, 'N (M)' at the top), and
    an address footer. Sentences cross the page breaks 1→2 and 2→3, a word is
    hyphenated across 3→4."""
    n = 4
    furniture = ["STOCKHOLMS STAD", "Vallby stadsdelsförvaltning", "Avdelningen för stadsmiljö", "Tjänsteutlåtande",
                 f"Dnr {H_DNR}", "Datum 2028-01-15", f"Handläggare {H_CONTACT}", "Telefon 08-508 55 123",
                 f"Tjänsteutlåtande · Dnr {H_DNR}", H_FOOTER, *[f"{i} ({n})" for i in range(2, n + 1)]]

    def header(pdf):
        pdf.set_font("sans", "", 8.5)
        if pdf.page_no() == 1:
            pdf.set_xy(20, 10)
            pdf.set_font("sans", "B", 12)
            pdf.cell(80, 6, "STOCKHOLMS STAD", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("sans", "", 9)
            pdf.cell(80, 5, "Vallby stadsdelsförvaltning", new_x="LMARGIN", new_y="NEXT")
            pdf.cell(80, 5, "Avdelningen för stadsmiljö", new_x="LMARGIN", new_y="NEXT")
            for k, line in enumerate(["Tjänsteutlåtande", f"Dnr {H_DNR}", "Datum 2028-01-15",
                                      f"Handläggare {H_CONTACT}", "Telefon 08-508 55 123"]):
                pdf.set_xy(125, 10 + 5 * k)
                pdf.cell(0, 5, line)
            pdf.set_y(44)
            return
        pdf.set_y(12)
        if pdf.page_no() % 2 == 0:
            pdf.cell(40, 4, f"{pdf.page_no()} ({{nb}})")
            pdf.cell(0, 4, "Vallby stadsdelsförvaltning", align="R")
        else:
            pdf.cell(120, 4, f"Tjänsteutlåtande · Dnr {H_DNR}")
            pdf.cell(0, 4, f"{pdf.page_no()} ({{nb}})", align="R")
        pdf.set_y(26)

    def footer(pdf):
        pdf.set_y(-16)
        pdf.set_font("sans", "", 7.5)
        pdf.cell(0, 4, H_FOOTER, align="C")

    pages = [
        [("lines", [f"Till {H_NAMND}"]),
         ("title", "Svar på remiss om trygghetsprogram för Stockholms stad 2028–2031"),
         ("lines", ["Remiss från kommunstyrelsen, KS 2027/2001"]),
         ("h", 1, "Förslag till beslut"),
         ("p", "Stadsdelsnämnden godkänner förvaltningens tjänsteutlåtande och överlämnar det till "
               "kommunstyrelsen som svar på remissen."),
         ("h", 1, "Sammanfattning"),
         ("p", "Förvaltningen ställer sig bakom förslaget. Förvaltningen vill särskilt lyfta fram "
               "betydelsen av trygga gångstråk mellan tunnelbanan och bostadsområdena i Vallby, "
               "eftersom många boende upplever dem som otrygga efter mörkrets inbrott."),
         ("h", 1, "Bakgrund"),
         ("p", "Kommunstyrelsen har skickat förslaget till nytt trygghetsprogram på remiss till "
               "stadsdelsnämnderna och facknämnderna. Programmet ska gälla under perioden 2028–2031 "
               "och ersätter programmet för 2024–2027. I förslaget får stadsdelsnämnderna ett "
               "större ansvar för det lokala trygghetsarbetet, och förvaltningen har därför gått "
               "igenom vilka delar av verksamheten som berörs och hur")],
        [("c", "arbetet kan organiseras i Vallby under programperioden. Genomgången redovisas nedan."),
         ("h", 1, "Förvaltningens synpunkter"),
         ("h", 2, "Gångstråk och belysning"),
         ("p", "Förvaltningen har tillsammans med trafikkontoret inventerat belysningen längs de stora "
               "gångstråken. Inventeringen visar att flera stråk saknar belysning på långa sträckor, "
               "särskilt vid parkerna och vid infarten till centrum."),
         ("p", "Förvaltningen föreslår att programmet anger att belysningen längs gångstråk ska "
               "prioriteras där trygghetsmätningen visar att många avstår från att gå ut efter "
               "mörkrets inbrott. Förvaltningen bedömer att åtgärden är en av de viktigaste i "
               "programmet för de boende i Vallby och att den därför bör följas upp varje år "
               "tillsammans med")],
        [("c", "trygghetsmätningen, så att effekterna kan jämföras mellan åren."),
         ("h", 2, "Samverkan med fastighetsägare"),
         ("p", "Fastighetsägarna i Vallby deltar redan i det lokala trygghetsrådet. Förvaltningen vill "
               "att programmet beskriver hur fastighetsägarnas åtgärder kan samordnas med stadens, "
               "till exempel när det gäller belysning på gårdar och i garage."),
         ("p", "Förvaltningen ser också ett behov av att staden tar fram en gemensam modell för "
               "trygghetsvandringar tillsammans med fastighetsägarna. Modellen bör beskriva hur "
               "vandringarna planeras, vilka som bjuds in och hur resultaten återkopplas till de "
               "boende. Erfarenheterna från Vallby visar att vandringar som följs upp ger en ökad "
               "trygg-")],
        [("c", "het i området och ett större förtroende för stadens arbete."),
         ("lines", ["Maria Lindqvist", "Stadsdelsdirektör"])],
    ]
    path = folder / "h_tjut_vallby.pdf"
    _write_pdf(path, n, header, footer, pages, margins=(20, 26, 20), bottom=24,
               body=10.5, h1=(12, "B"), h2=(10.5, "B"), title=(14, "B"))
    case = Case("h: brevhuvud till höger, växlande sidhuvud", path.name, n, furniture=furniture,
                meta={"namnd": H_NAMND, "doc_type": "tjänsteutlåtande", "period": "2028-2031", "dnr": H_DNR,
                      "remiss_dnr": "KS 2027/2001", "date": "2028-01-15", "handlaggare": H_CONTACT})
    return _truth(case, pages)


# --------------------------------------------------------------------------- (i) programme: contents, plain headings

I_TITLE = "Program för trygga offentliga miljöer 2029–2032"


def _i_pages() -> list[list[tuple]]:
    return [
        [("title", I_TITLE),
         ("p", "Programmet anger hur staden gör offentliga miljöer trygga under perioden 2029–2032. "
               "Det beslutas av kommunfullmäktige och gäller för alla nämnder och bolagsstyrelser.")],
        [],  # the table of contents (drawn by layout_i)
        [("h", 1, "1 Inledning"),
         ("p", "Trygga offentliga miljöer är en förutsättning för att invånarna ska kunna använda hela "
               "staden. Programmet samlar stadens arbete med belysning, skötsel och utformning av "
               "gator, torg och parker."),
         ("h", 2, "1.1 Syfte"),
         ("p", "Syftet med programmet är att nämnderna ska arbeta mot gemensamma mål och att "
               "resultaten ska kunna följas upp på ett jämförbart sätt i alla stadsdelar."),
         ("h", 2, "1.2 Utgångspunkter"),
         ("p", "Programmet bygger på trygghetsmätningen, de lokala lägesbilderna och de dialoger som "
               "stadsdelsnämnderna har fört med invånarna. Där invånarna har pekat ut platser som "
               "otrygga ska nämnderna prioritera åtgärder som förbättrar överblicken och belysningen, "
               "och de ska redovisa hur platserna har förändrats när programmet följs upp. Arbetet "
               "ska bedrivas tillsammans med fastighetsägare och de")],
        [("c", "föreningar som verkar på platserna, så att åtgärderna kompletterar varandra."),
         ("h", 1, "2 Trygghet i offentlig miljö"),
         ("h", 2, "2.1 Belysning"),
         ("p", "Trafiknämnden ansvarar för belysningen på gator, gång- och cykelvägar. Belysningen ska "
               "vara jämn och bländfri, så att den som går kan se ansikten på tio meters avstånd."),
         ("h", 2, "2.2 Skötsel och renhållning"),
         ("p", "Klotter och skadegörelse ska åtgärdas inom ett dygn på platser som invånarna har pekat "
               "ut som otrygga. Stadsdelsnämnderna ansvarar för skötseln av parker och torg."),
         ("h", 1, "3 Uppföljning"),
         ("p", "Programmet följs upp årligen i stadens uppföljning av mål och budget. Resultaten "
               "redovisas för kommunfullmäktige.")],
    ]


I_CONTENTS = [("1 Inledning", 3), ("1.1 Syfte", 3), ("1.2 Utgångspunkter", 3), ("2 Trygghet i offentlig miljö", 4),
              ("2.1 Belysning", 4), ("2.2 Skötsel och renhållning", 4), ("3 Uppföljning", 4)]


def layout_i(folder: Path) -> Case:
    """A programme with a table of contents ('1 Inledning ........ 3', dot
    leaders) on page 2 and numbered headings set like the body text (no bold,
    no bigger size: only the numbering says they are headings); a running
    header and bare page numbers from page 2, a sentence across 3→4."""
    n = 4
    dots = {k: f"{title} {'.' * (70 - 2 * len(title))}" for k, (title, _) in enumerate(I_CONTENTS)}
    furniture = [I_TITLE, *[str(i) for i in range(2, n + 1)], *(f"{dots[k]} {pg}" for k, (_, pg) in enumerate(I_CONTENTS))]

    def header(pdf):
        if pdf.page_no() > 1:
            pdf.set_y(10)
            pdf.set_font("sans", "", 8)
            pdf.cell(0, 4, I_TITLE, align="R")
            pdf.set_y(24)

    footer = _bare_page_number_footer()

    pages = _i_pages()
    pdf = _f_pdf(header, footer)
    for pno, blocks in enumerate(pages, 1):
        pdf.add_page()
        if pno == 2:
            pdf.set_font("sans", "B", 13)
            pdf.cell(0, 8, "Innehåll", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("sans", "", 10.5)
            for k, (title, pg) in enumerate(I_CONTENTS):
                pdf.set_x(22 + (6 if "." in title.split()[0] else 0))
                pdf.cell(150, 6, dots[k])
                pdf.cell(0, 6, str(pg), align="R", new_x="LMARGIN", new_y="NEXT")
        _render_blocks(pdf, blocks, body=10.5, h1=(10.5, ""), h2=(10.5, ""), title=(18, "B"))
    path = folder / "i_program_innehall.pdf"
    _save(pdf, path, n)
    case = Case("i: program, innehållsförteckning + rubriker utan fetstil", path.name, n, furniture=furniture,
                meta={"namnd": "", "doc_type": "program", "period": "2029-2032"})
    return _truth(case, pages)


# --------------------------------------------------------------------------- (j) DOCX: first-page letterhead

J_NAMND = "Östbergs stadsdelsnämnd"


def layout_j(folder: Path) -> Case:
    """A Word tjänsteutlåtande whose letterhead (förvaltning, type, dnr, date,
    handläggare) is the *first-page* header and whose later pages have a
    short running header and a footer of their own; the headings are typed,
    numbered, in the Normal style ('3.2 Trygghet i offentlig miljö'); a page
    break inside a paragraph."""
    import docx
    from docx.enum.text import WD_BREAK

    first_header = ["STOCKHOLMS STAD\tTjänsteutlåtande", "Östbergs stadsdelsförvaltning\tDnr ÖB 2028/77",
                    "Avdelningen för samhällsutveckling\t2028-02-10", "Handläggare: Sara Eklund\tTelefon 08-508 60 117"]
    first_footer = ["Östbergs stadsdelsförvaltning · Box 5021 · 121 16 Johanneshov · Växel 08-508 60 000"]
    header_lines = ["Östbergs stadsdelsförvaltning · Tjänsteutlåtande · Dnr ÖB 2028/77"]
    footer_lines = ["stockholm.se/ostberg"]
    pages = [
        [("lines", [f"Till {J_NAMND}"]),
         ("title", "Svar på remiss om trygghetsprogram för Stockholms stad 2028–2031"),
         ("h", 1, "1 Förslag till beslut"),
         ("p", "Stadsdelsnämnden godkänner förvaltningens tjänsteutlåtande som svar på remissen."),
         ("h", 1, "2 Sammanfattning"),
         ("p", "Förvaltningen välkomnar förslaget. Förvaltningen ser gärna att programmet tydligare "
               "beskriver hur stadsdelsnämnderna ska samverka med skolorna kring tryggheten på "
               "skolvägarna, eftersom föräldrar i Östberg under flera år har påtalat att barnen")],
        [("c", "känner sig otrygga vid busshållplatserna på morgonen. Förvaltningen föreslår fler vuxna "
               "på plats under de första veckorna av varje termin."),
         ("h", 1, "3 Förvaltningens synpunkter"),
         ("h", 2, "3.1 Skolvägar"),
         ("p", "Förvaltningen har kartlagt skolvägarna tillsammans med skolorna. Kartläggningen visar att "
               "de flesta otrygga platserna ligger vid hållplatser och gångtunnlar.")],
        [("h", 2, "3.2 Trygghet i offentlig miljö"),
         ("p", "Förvaltningen anser att programmet bör ange hur belysningen i gångtunnlar ska förbättras "
               "och vem som ansvarar för att den underhålls."),
         ("h", 1, "4 Ekonomiska konsekvenser"),
         ("p", "Förslagen ryms inom förvaltningens budget för år 2028.")],
    ]
    d = docx.Document()
    sec = d.sections[0]
    sec.different_first_page_header_footer = True
    sec.first_page_header.paragraphs[0].text = first_header[0]
    for ln in first_header[1:]:
        sec.first_page_header.add_paragraph(ln)
    sec.first_page_footer.paragraphs[0].text = first_footer[0]
    sec.header.paragraphs[0].text = header_lines[0]
    sec.footer.paragraphs[0].text = footer_lines[0]
    pending_break, last = False, None
    for pno, blocks in enumerate(pages):
        for b in blocks:
            kind = b[0]
            if kind == "title":
                par = d.add_heading(b[1], level=0)
            elif kind == "h":
                par = d.add_paragraph(b[2])  # typed, numbered, in the Normal style
            elif kind == "p":
                par = d.add_paragraph(b[1])
            elif kind == "lines":
                par = d.add_paragraph("\n".join(b[1]))
            elif kind == "c":
                last.add_run().add_break(WD_BREAK.PAGE)
                last.add_run(b[1])
                continue
            if pending_break:
                par.paragraph_format.page_break_before = True
                pending_break = False
            last = par
        nxt = pages[pno + 1] if pno + 1 < len(pages) else None
        pending_break = bool(nxt) and nxt[0][0] != "c"
    path = folder / "j_tjut_ostberg.docx"
    d.save(path)
    furniture = [*(part for ln in first_header + header_lines for part in ln.split("\t")), *first_footer,
                 *footer_lines]
    case = Case("j: DOCX, brevhuvud på första sidan, numrerade rubriker", path.name, len(pages), furniture=furniture,
                meta={"namnd": J_NAMND, "doc_type": "tjänsteutlåtande", "period": "2028-2031", "dnr": "ÖB 2028/77",
                      "date": "2028-02-10", "handlaggare": "Sara Eklund"})
    return _truth(case, pages)


# --------------------------------------------------------------------------- (k) programme: header rows read cell by cell

K_RUNNING = "Stockholms stad · Åtgärdsplan för trygga parker 2028–2031"
# both header cells wrap, so no line of the header row has cells side by side (table K1, pages 1–3)
K_TABLE_1 = [["Åtgärd som parknämnden genomför under programperioden i stadens parker",
              "Ansvarig nämnd eller förvaltning för åtgärden"],
             *[[f"{what} i {park}", who] for park in ("Vallbyparken", "Östbergsparken", "Ekuddsparken", "Bergsviksparken")
               for what, who in (("Ny belysning längs gångvägar", "Trafiknämnden"),
                                 ("Röjning av buskage vid entréer", "Parkförvaltningen"),
                                 ("Trygghetsvandring med boende", "Stadsdelsförvaltningen"),
                                 ("Upprustning av lekplatsen", "Parkförvaltningen"),
                                 ("Sanering av klotter inom ett dygn", "Trafiknämnden"),
                                 ("Fler bänkar och papperskorgar", "Parkförvaltningen"),
                                 ("Öppen toalett kvällstid", "Stadsdelsförvaltningen"),
                                 ("Väktare under sommarhelger", "Kommunstyrelsen"),
                                 ("Belysta motionsslingor", "Idrottsnämnden"),
                                 ("Kameror vid parkeringen", "Kommunstyrelsen"),
                                 ("Ny skylt med kontaktuppgifter", "Parkförvaltningen"),
                                 ("Samverkan med fastighetsägare", "Stadsdelsförvaltningen"),
                                 ("Föreningsdrivet kafé i parken", "Kulturnämnden"),
                                 ("Evenemang under sommarlovet", "Kulturnämnden"),
                                 ("Lokal parkvärd på helger", "Stadsdelsförvaltningen"),
                                 ("Gräsklippning före skolstart", "Parkförvaltningen"),
                                 ("Städning efter helger", "Parkförvaltningen"),
                                 ("Blomsterplanteringar vid entréer", "Parkförvaltningen"),
                                 ("Uppföljning med trygghetsmätning", "Stadsdelsförvaltningen"),
                                 ("Dialog med förskolor", "Stadsdelsförvaltningen"),
                                 ("Nya gångvägar genom parken", "Trafiknämnden"),
                                 ("Hundrastgård med belysning", "Parkförvaltningen"))]]
# the second header cell wraps, so the row reads 'Insats Målgrupp och' / 'ålder' / 'Ansvar Tidplan': the last a
# line of cells side by side too (table K2, pages 3–4: one repeat)
K_TABLE_2 = [["Insats", "Målgrupp och ålder", "Ansvar", "Tidplan"],
             *[[f"{what} i {area}", group, "SDN", year] for area in ("Vallby", "Östberg", "Ekudden", "Bergsvik")
               for what, group, year in (("Parkvärdar", "Unga 16–19", "2028"), ("Lovaktiviteter", "Barn 6–12", "2028"),
                                         ("Kvällsfotboll", "Unga 12–18", "2029"), ("Parkhäng", "Unga 13–17", "2029"),
                                         ("Utegym", "Vuxna", "2030"), ("Skridskobana", "Alla", "2030"),
                                         ("Naturskola", "Barn 8–12", "2031"), ("Odlingslotter", "Alla", "2031"),
                                         ("Boulebana", "Äldre", "2028"), ("Parkteater", "Alla", "2029"))]]
# a table that stays on one page, its header cells wrapped and set in bold at body size (table K3)
K_TABLE_3 = [["Mått", "Källa för uppgiften och mätmetod", "Rapporteras till"],
             ["Andel som känner sig trygga i parken", "Trygghetsmätningen", "Kommunfullmäktige"],
             ["Antal anmälda brott i parken", "Polisens statistik", "Parknämnden"],
             ["Antal besökare kvällstid", "Räkning vid entréerna", "Parknämnden"]]


def _k_pages() -> list[list[tuple]]:
    top = {"v_align": "TOP", "font_size": 10.5}
    return [
        [("title", "Åtgärdsplan för trygga parker 2028–2031"),
         ("p", "Åtgärdsplanen beskriver vad nämnderna gör för att stadens parker ska vara trygga under "
               "perioden 2028–2031."),
         ("h", 1, "1 Åtgärder i parkerna"),
         ("p", "Tabellen visar åtgärderna i varje park och vem som ansvarar för dem."),
         ("table", K_TABLE_1, (60, 40), top)],
        [],
        [("h", 1, "2 Insatser för unga"),
         ("p", "Stadsdelsnämnderna genomför insatser för unga i parkerna under hela programperioden."),
         ("table", K_TABLE_2, (40, 20, 20, 20), top)],
        [("p", "Insatserna följs upp av stadsdelsnämnderna varje år."),
         ("h", 1, "3 Uppföljning"),
         ("p", "Åtgärdsplanen följs upp med de mått som tabellen visar."),
         ("table", K_TABLE_3, (40, 30, 30), top),
         ("p", "Uppföljningen redovisas för kommunfullmäktige varje år.")],
    ]


def layout_k(folder: Path) -> Case:
    """Tables set at body size whose wrapped header cells the reader reads
    one cell after another (top-aligned): K1 (pages 1–3) with both header
    cells wrapping, so no line of its header row has cells side by side; K2
    (pages 3–4, one repeat) whose header row ends in a line of cells side by
    side after a wrapped rest; K3 on one page, its bold header lines no
    section headings."""
    return _programme_case(folder, "k", "k_atgarder_parker.pdf", "k: tabellrubriker lästa cell för cell",
                           K_RUNNING, _k_pages(), (1,), (K_TABLE_1, K_TABLE_2), 4)


# --------------------------------------------------------------------------- (l) footnotes

L_NAMND = "Norrviks stadsdelsnämnd"
L_DNR = "NO 2028/0317"
L_NOTES = {  # page -> its footnotes (number, text), drawn in small print over the footer
    1: [(1, "Stockholms stads trygghetsmätning 2027, tabell 12: andelen som känner sig otrygga i sitt bostadsområde."),
        (2, "Kommunstyrelsens beslut den 4 november 2027, dnr KS 2027/0999, om fördelning av medel för "
            "lokalt trygghetsarbete till stadsdelsnämnderna.")],
    2: [(3, "Brottsförebyggande rådet, Nationella trygghetsundersökningen 2027.")],
}


def layout_l(folder: Path) -> Case:
    """A tjänsteutlåtande with footnotes: superscript markers glued to the
    word before them, the notes in small print at the foot of the page (above
    a footer with 'Sida N (M)'), notes 1 and 2 between the two halves of a
    sentence that runs over the page break 1→2; note 2 carries a date and a
    dnr that are not the document's."""
    n = 3
    furniture = ["STOCKHOLMS STAD", "Norrviks stadsdelsförvaltning", "Tjänsteutlåtande", f"Dnr {L_DNR}",
                 "2028-02-20", "Norrviks stadsdelsförvaltning, Torgvägen 2, 163 22 Spånga",
                 *[f"Sida {i} ({n})" for i in range(1, n + 1)],
                 *[f"{k} {t}" for notes in L_NOTES.values() for k, t in notes]]

    def header(pdf):
        pdf.set_y(10)
        pdf.set_font("sans", "B", 12)
        pdf.cell(95, 6, "STOCKHOLMS STAD")
        pdf.set_font("sans", "", 9)
        pdf.cell(0, 5, "Tjänsteutlåtande", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(95, 5, "Norrviks stadsdelsförvaltning")
        pdf.cell(0, 5, f"Dnr {L_DNR}", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 5, "2028-02-20", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(36)

    def footer(pdf):
        notes = L_NOTES.get(pdf.page_no(), [])
        pdf.set_font("sans", "", 8)
        pdf.set_y(-22 - 4 * (len(notes) + sum(len(t) > 110 for _, t in notes)))
        for k, text in notes:
            pdf.char_vpos = "SUP"
            pdf.write(4, str(k))
            pdf.char_vpos = "LINE"
            pdf.write(4, f" {text}")
            pdf.ln(4)
        pdf.set_y(-16)
        pdf.set_font("sans", "", 8)
        pdf.cell(130, 4, "Norrviks stadsdelsförvaltning, Torgvägen 2, 163 22 Spånga")
        pdf.cell(0, 4, f"Sida {pdf.page_no()} ({{nb}})", align="R")

    pages = [
        [("lines", [f"Till {L_NAMND}"]),
         ("title", "Svar på remiss om trygghetsprogram för Stockholms stad 2028–2031"),
         ("lines", ["Remiss från kommunstyrelsen, KS 2027/2150"]),
         ("h", 1, "Sammanfattning"),
         ("p", "Förvaltningen ställer sig bakom förslaget. Otryggheten i Norrvik har minskat^1 sedan 2024, men "
               "den är fortfarande högre än i staden som helhet, särskilt bland äldre kvinnor."),
         ("h", 1, "Bakgrund"),
         ("p", "Stadsdelsnämnden fick under 2027 särskilda medel för lokalt trygghetsarbete^2 och har använt "
               "dem till fältassistenter, nattvandring och belysning. Förvaltningen vill att programmet "
               "gör det möjligt att fortsätta arbetet, eftersom de satsningar som har gjorts i Norrvik "
               "visar att det lokala arbetet ger resultat när det bedrivs långsiktigt och i nära")],
        [("c", "samverkan med föreningslivet, skolan och polisen i området."),
         ("h", 1, "Förvaltningens synpunkter"),
         ("p", "Förvaltningen delar programmets bild av läget i staden^3 och anser att målen för "
               "perioden är rimliga. Förvaltningen saknar dock en beskrivning av hur nämnderna ska "
               "redovisa sina insatser, så att uppföljningen blir jämförbar mellan stadsdelarna."),
         ("p", "Förvaltningen föreslår att programmet kompletteras med en gemensam mall för den årliga "
               "uppföljningen.")],
        [("p", "Förvaltningen vill också att staden tar fram en gemensam modell för trygghetsvandringar "
               "tillsammans med fastighetsägarna och föreningarna i området."),
         ("lines", ["Eva Sundin", "Stadsdelsdirektör"])],
    ]
    path = folder / "l_tjut_fotnoter.pdf"
    _write_pdf(path, n, header, footer, pages, margins=(20, 36, 20), bottom=40,
               body=10.5, h1=(12, "B"), h2=(10.5, "B"), title=(14, "B"))
    case = Case("l: fotnoter, en mitt i en mening över sidbrytningen", path.name, n, furniture=furniture,
                meta={"namnd": L_NAMND, "doc_type": "tjänsteutlåtande", "period": "2028-2031", "dnr": L_DNR,
                      "remiss_dnr": "KS 2027/2150", "date": "2028-02-20"})
    return _truth(case, pages)


# --------------------------------------------------------------------------- (m) contents without leaders

M_TITLE = "Program för trygga bostadsområden 2028–2031"
M_CONTENTS = [("Inledning", 3), ("Syfte och mål", 3), ("Trygghet i bostadsområdet", 3), ("Belysning och skötsel", 4),
              ("Uppföljning", 4)]


def _m_pages() -> list[list[tuple]]:
    return [
        [("title", M_TITLE),
         ("p", "Programmet anger hur staden och bostadsbolagen gör bostadsområdena trygga under perioden "
               "2028–2031. Det beslutas av kommunfullmäktige.")],
        [],  # the table of contents (drawn by layout_m)
        [("h", 1, "Inledning"),
         ("p", "Trygga bostadsområden är en förutsättning för att de boende ska kunna röra sig fritt "
               "under alla tider på dygnet."),
         ("h", 1, "Syfte och mål"),
         ("p", "Syftet med programmet är att bostadsbolagen och nämnderna ska arbeta mot gemensamma mål "
               "som kan följas upp varje år."),
         ("h", 1, "Trygghet i bostadsområdet"),
         ("p", "Bostadsbolagen ansvarar för belysning och låsning i sina fastigheter och ska samråda med "
               "stadsdelsnämnden om åtgärder i gemensamma utemiljöer.")],
        [("h", 1, "Belysning och skötsel"),
         ("p", "Belysningen på gårdar och gångvägar ska vara jämn, och trasiga armaturer ska lagas inom en "
               "vecka från felanmälan."),
         ("h", 1, "Uppföljning"),
         ("p", "Programmet följs upp årligen i stadens uppföljning av mål och budget.")],
    ]


def layout_m(folder: Path) -> Case:
    """A programme with a table of contents without dot leaders on page 2
    ('Inledning', then the page number at the end of the line) under
    'Innehållsförteckning'; headings in bold; bare page numbers from page 2."""
    n = 4
    furniture = [*[str(i) for i in range(2, n + 1)], *(f"{t} {pg}" for t, pg in M_CONTENTS)]

    footer = _bare_page_number_footer()

    pages = _m_pages()
    pdf = _f_pdf(None, footer)
    for pno, blocks in enumerate(pages, 1):
        pdf.add_page()
        if pno == 2:
            pdf.set_font("sans", "B", 13)
            pdf.cell(0, 8, "Innehållsförteckning", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("sans", "", 10.5)
            for title, pg in M_CONTENTS:
                pdf.cell(150, 6, title)
                pdf.cell(0, 6, str(pg), align="R", new_x="LMARGIN", new_y="NEXT")
        _render_blocks(pdf, blocks, body=10.5, h1=(12.5, "B"), title=(18, "B"))
    path = folder / "m_program_innehall.pdf"
    _save(pdf, path, n)
    case = Case("m: innehållsförteckning utan utfyllnadspunkter", path.name, n, furniture=furniture,
                meta={"namnd": "", "doc_type": "program", "period": "2028-2031"})
    return _truth(case, pages)


LAYOUTS = (layout_a, layout_b, layout_c, layout_d, layout_e, layout_f, layout_g, layout_h, layout_i, layout_j,
           layout_k, layout_l, layout_m)


def build_corpus(folder: Path) -> list[Case]:
    """Write every layout into `folder`; their ground truth, in order."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [make(folder) for make in LAYOUTS]


# --------------------------------------------------------------------------- checking


def furniture_in(text: str, case: Case) -> list[str]:
    """Furniture pieces found in a passage: a piece as a substring (pieces
    with a digit or 12+ characters), or as a whole line (any piece); a
    table's header row anywhere but over its first body row (a page repeated it);
    and a line of a wrapped header row outside a whole one (a repeat partly left)."""
    flat = norm(text)
    lines = {norm(ln) for ln in text.splitlines() if ln.strip()}
    found = []
    for piece in dict.fromkeys(norm(p) for p in case.furniture):
        long = (len(piece) >= 12 or (any(c.isdigit() for c in piece) and len(piece) >= 4)) and piece not in case.in_body
        if piece in lines or (long and piece in flat):
            found.append(piece)
    for head, rows in case.repeated:  # a table's header row not over its first body row: a page repeated it
        after = [flat[i + len(head):].strip() for i in range(len(flat)) if flat.startswith(head, i)]
        if any(rest and not rest.startswith(rows[0]) for rest in after):
            found.append(f"{head} (upprepad tabellrubrik)")
    if pieces := _header_pieces(text, [head for head, _ in case.repeated]):
        found.append(f"{' / '.join(pieces)} (del av upprepad tabellrubrik)")  # a wrapped header row partly left
    return found


def _header_pieces(text: str, heads: list[str]) -> list[str]:
    """Lines of a passage that are pieces of a table's header row (its cells
    wrapped, so it reads as several lines) outside a whole header row."""
    lines = [norm(ln) for ln in text.splitlines() if ln.strip()]
    out, i = [], 0
    while i < len(lines):
        for head in heads:
            run, j = lines[i], i + 1
            while run != head and j < len(lines) and head.startswith(f"{run} {lines[j]}"):
                run, j = f"{run} {lines[j]}", j + 1
            if run == head:  # a whole header row, over one line or several
                i = j
                break
        else:
            if any(lines[i] in head for head in heads):
                out.append(lines[i])
            i += 1
    return out


def meta_right(case: Case, meta: dict) -> tuple[int, int, list]:
    """(fields right, fields known, [(field, got, want)]) of a guessed DocMeta dict."""
    wrong, known = [], 0
    for k, want in case.meta.items():
        if k not in meta or not want:
            continue
        known += 1
        got = meta.get(k) or ""
        if norm(str(got)).replace("–", "-") != norm(str(want)).replace("–", "-"):
            wrong.append((k, got, want))
    return known - len(wrong), known, wrong


def evaluate(case: Case, chunks, record: dict | None = None) -> dict:
    """One row of the per-layout table from a document's chunks (and its
    index record, for the metadata column)."""
    texts = [norm(c.text) for c in chunks]
    furniture = sorted({f for c in chunks for f in furniture_in(c.text, case)})
    cross_ok = all(any(norm(s) in t and c.pages == f"{p}–{p + 1}" for c, t in zip(chunks, texts))
                   for s, p in case.cross)
    pages_ok, sections_ok, missing, wrong_sections = True, True, [], []
    for para in case.paragraphs:
        probe = " ".join(para.text.split()[:8])
        holders = [c for c, t in zip(chunks, texts) if probe in t]
        if not holders:
            missing.append(probe)
            pages_ok = sections_ok = False
            continue
        c = holders[0]
        if not (c.page <= para.pages[0] <= c.page_end):
            pages_ok = False
        if c.section != para.section:
            sections_ok = False
            wrong_sections.append((probe, c.section, para.section))
    for cell, section in case.cells:
        holders = [c for c, t in zip(chunks, texts) if cell in t]
        if not holders or all(c.section != section for c in holders):
            sections_ok = False
            wrong_sections.append((cell, holders[0].section if holders else None, section))
    for head, _ in case.repeated:  # the header row where its table begins is content: the column names
        if not any(head in t for t in texts):
            missing.append(head)
            sections_ok = False
    bullets_ok = all(any(re.search(r"(^|\n)\s*\S?\s*" + re.escape(b.split()[0]), c.text) and b in t
                         for c, t in zip(chunks, texts)) for b in case.bullets)
    right, known, meta_wrong = meta_right(case, (record or {}).get("meta") or {})
    return {"layout": case.name, "file": case.file, "passages": len(chunks), "meta_right": f"{right}/{known}",
            "meta_wrong": meta_wrong,
            "furniture_in_passages": len(furniture), "furniture_found": furniture,
            "cross_page_whole": cross_ok, "pages_right": pages_ok, "sections_right": sections_ok,
            "bullets_as_lines": bullets_ok, "missing": missing, "wrong_sections": wrong_sections}


def table(rows: list[dict]) -> str:
    yn = {True: "ja", False: "NEJ"}
    out = ["| layout | passages | furniture lines in passages | cross-page sentence whole | pages right "
           "| sections right | bullets as lines | metadata right |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['layout']} | {r['passages']} | {r['furniture_in_passages']} | {yn[r['cross_page_whole']]} "
                   f"| {yn[r['pages_right']]} | {yn[r['sections_right']]} | {yn[r['bullets_as_lines']]} "
                   f"| {r['meta_right']} |")
    return "\n".join(out)


if __name__ == "__main__":  # python tests/layouts.py [folder]: build, process, print the table
    import sys
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from index.pipeline import _process_file
    from index.settings import Settings

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="yttra-layouts-"))
    cases = build_corpus(folder)
    settings = Settings(corpus_dir=folder, index_dir=folder / ".index")
    rows = []
    for case in cases:
        chunks, record, _ = _process_file(folder / case.file, settings, {})
        rows.append(evaluate(case, chunks, record))
        for k in ("furniture_found", "missing", "wrong_sections", "meta_wrong"):
            if rows[-1][k]:
                print(f"{case.file}: {k}: {rows[-1][k]}", file=sys.stderr)
    print(f"corpus: {folder}\n")
    print(table(rows))
