/*
 * test_links: the links the daemon follows from an index page or a feed.
 * Every expectation is a whole list in order: a URL that differs by one
 * byte is a wrong document fetched, a missing one a document missed.
 */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "links.h"

static void setup(void)
{
    extract_init();
}

TestSuite(links, .init = setup);

#define PAGE_URL "https://www.rm.dk/politik/udvalg/referater/index.html"

static struct links found;
static char err[256];

/* links_find on body[0..len), which must succeed. */
static void find_n(const char *body, size_t len, const char *type, const char *base, const regex_t *follow)
{
    int rc = links_find(body, len, type, base, follow, &found, err, sizeof err);
    cr_assert_eq(rc, 0, "links_find failed: %s", err);
}

static void find(const char *body)
{
    find_n(body, strlen(body), NULL, PAGE_URL, NULL);
}

/* found is exactly want (NULL-terminated), in this order. */
static void expect(const char *const *want)
{
    size_t n = 0;
    while (want[n])
        n++;
    for (size_t i = 0; i < found.n && i < n; i++)
        cr_expect_str_eq(found.urls[i], want[i], "link %zu", i);
    for (size_t i = n; i < found.n; i++)
        cr_expect_fail("unexpected link %zu: %s", i, found.urls[i]);
    for (size_t i = found.n; i < n; i++)
        cr_expect_fail("missing link %zu: %s", i, want[i]);
    links_clear(&found);
}

#define EXPECT(...) expect((const char *const[]){__VA_ARGS__, NULL})

static void expect_none(void)
{
    for (size_t i = 0; i < found.n; i++)
        cr_expect_fail("unexpected link %zu: %s", i, found.urls[i]);
    links_clear(&found);
}

/* links_find must refuse body, saying why. */
static void expect_error(const char *body, size_t len, const char *type, const char *base, const char *want)
{
    int rc = links_find(body, len, type, base, NULL, &found, err, sizeof err);
    cr_assert_eq(rc, -1, "accepted");
    cr_expect_eq(found.n, 0);
    cr_expect_null(found.urls);
    cr_expect(strstr(err, want) != NULL, "error \"%s\" does not say \"%s\"", err, want);
    cr_expect_null(strchr(err, '\n'), "error is not one line: %s", err);
}

/* ---- pages ---------------------------------------------------------------- */

Test(links, html_relative_absolute_protocol_relative_and_dot_segments)
{
    find("<html><body>"
         "<a href=\"2024/referat-1.pdf\">1</a>"
         "<a href=\"/om/dokument.pdf\">2</a>"
         "<a href=\"//cdn.rm.dk/filer/bilag.pdf\">3</a>"
         "<a href=\"../dagsorden.pdf\">4</a>"
         "<a href=\"../../../../../../roden.pdf\">5</a>"
         "<a href=\"./2024/./../2023/referat.pdf\">6</a>"
         "<a href=\"https://www.regioner.dk/a.pdf\">7</a>"
         "<a href=\"?side=2\">8</a>"
         "<map><area href=\"kort.pdf\"></map>"
         "<A HREF=\"STORE.pdf\">9</A>"
         "</body></html>");
    EXPECT("https://www.rm.dk/politik/udvalg/referater/2024/referat-1.pdf", "https://www.rm.dk/om/dokument.pdf",
           "https://cdn.rm.dk/filer/bilag.pdf", "https://www.rm.dk/politik/udvalg/dagsorden.pdf",
           "https://www.rm.dk/roden.pdf", "https://www.rm.dk/politik/udvalg/referater/2023/referat.pdf",
           "https://www.regioner.dk/a.pdf", "https://www.rm.dk/politik/udvalg/referater/index.html?side=2",
           "https://www.rm.dk/politik/udvalg/referater/kort.pdf",
           "https://www.rm.dk/politik/udvalg/referater/STORE.pdf");
}

Test(links, base_element_is_honoured_for_every_link)
{
    /* a browser applies <base> to links before it too */
    find("<html><body><a href=\"a.pdf\">a</a>"
         "<base href=\"https://dagsordener.rm.dk/arkiv/2024/\">"
         "<a href=\"../b.pdf\">b</a><a href=\"/c.pdf\">c</a></body></html>");
    EXPECT("https://dagsordener.rm.dk/arkiv/2024/a.pdf", "https://dagsordener.rm.dk/arkiv/b.pdf",
           "https://dagsordener.rm.dk/c.pdf");

    /* a relative base is resolved against the page's own URL */
    find("<html><head><base href=\"/arkiv/\"></head><body><a href=\"d.pdf\">d</a></body></html>");
    EXPECT("https://www.rm.dk/arkiv/d.pdf");

    /* a base that is no http(s) URL leaves the page's URL in charge */
    find("<html><head><base href=\"javascript:void(0)\"></head><body><a href=\"e.pdf\">e</a></body></html>");
    EXPECT("https://www.rm.dk/politik/udvalg/referater/e.pdf");
}

Test(links, fragments_dropped_and_links_to_the_page_itself_ignored)
{
    find("<a href=\"a.pdf#page=2\">a</a><a href=\"#indhold\">top</a><a href=\"\">self</a>"
         "<a href=\"b.pdf?v=1#x\">b</a><a href=\"a.pdf#page=3\">a again</a>");
    EXPECT("https://www.rm.dk/politik/udvalg/referater/a.pdf",
           "https://www.rm.dk/politik/udvalg/referater/b.pdf?v=1");
}

Test(links, only_http_and_https_kept)
{
    find("<a href=\"mailto:udvalg@rm.dk\">m</a>"
         "<a href=\"javascript:visDokument(12)\">j</a>"
         "<a href=\" JavaScript:void(0)\">j2</a>"
         "<a href=\"file:///etc/passwd\">f</a>"
         "<a href=\"ftp://ftp.rm.dk/referat.pdf\">ftp</a>"
         "<a href=\"data:application/pdf;base64,JVBERi0=\">d</a>"
         "<a href=\"tel:+4512345678\">t</a>"
         "<a href=\"http://www.rm.dk/gammel.pdf\">http</a>"
         "<a href=\"HTTPS://WWW.RM.DK/ny.pdf\">https</a>");
    EXPECT("http://www.rm.dk/gammel.pdf", "https://www.rm.dk/ny.pdf");
}

Test(links, follow_pattern_filters_absolute_urls)
{
    regex_t re;
    cr_assert_eq(regcomp(&re, "\\.pdf$", REG_EXTENDED | REG_NOSUB), 0);
    const char *page = "<a href=\"referat.pdf\">r</a><a href=\"side2.html\">next</a>"
                       "<a href=\"/bilag/1.pdf#page=4\">b</a><a href=\"vis.aspx?fil=x.pdf&amp;dl=1\">v</a>";
    find_n(page, strlen(page), "text/html", PAGE_URL, &re);
    EXPECT("https://www.rm.dk/politik/udvalg/referater/referat.pdf", "https://www.rm.dk/bilag/1.pdf");
    regfree(&re);

    /* the pattern sees the absolute URL, so it can name the host */
    cr_assert_eq(regcomp(&re, "^https://dagsordener\\.rm\\.dk/", REG_EXTENDED | REG_NOSUB), 0);
    const char *page2 = "<a href=\"//dagsordener.rm.dk/m/1\">1</a><a href=\"/m/2\">2</a>";
    find_n(page2, strlen(page2), NULL, PAGE_URL, &re);
    EXPECT("https://dagsordener.rm.dk/m/1");
    regfree(&re);
}

Test(links, duplicates_kept_once_first_first)
{
    find("<a href=\"b.pdf\">b</a><a href=\"a.pdf\">a</a><a href=\"./b.pdf\">b</a>"
         "<a href=\"https://WWW.RM.DK:443/politik/udvalg/referater/b.pdf\">b</a>"
         "<a href=\"https://www.rm.dk/politik/udvalg/x/../referater/a.pdf\">a</a>");
    EXPECT("https://www.rm.dk/politik/udvalg/referater/b.pdf", "https://www.rm.dk/politik/udvalg/referater/a.pdf");
}

Test(links, entities_whitespace_and_unsafe_bytes_in_hrefs)
{
    find("<a href=\"vis.aspx?id=1&amp;type=pdf\">1</a>"
         "<a href=\"vis.aspx?id=2&type=pdf\">2</a>"
         "<a href=\"  \n\t/dok/referat 12.pdf \r\n \">3</a>"
         "<a href=\"/dok/l&#230;s.pdf\">4</a>"
         "<a href=\"/dok/100%.pdf\">5</a>"
         "<a href=\"/dok/a%20b.pdf\">6</a>"
         "<a href=\"/dok/\nlang\n.pdf\">7</a>"
         "<a href=\"dok\\windows.pdf\">8</a>");
    EXPECT("https://www.rm.dk/politik/udvalg/referater/vis.aspx?id=1&type=pdf",
           "https://www.rm.dk/politik/udvalg/referater/vis.aspx?id=2&type=pdf",
           "https://www.rm.dk/dok/referat%2012.pdf", "https://www.rm.dk/dok/l%C3%A6s.pdf",
           "https://www.rm.dk/dok/100%25.pdf", "https://www.rm.dk/dok/a%20b.pdf", "https://www.rm.dk/dok/lang.pdf",
           "https://www.rm.dk/politik/udvalg/referater/dok/windows.pdf");
}

Test(links, idn_host_kept)
{
    /* punycode where libcurl can convert (IDN support, a UTF-8 locale),
     * else the host as written, in lower case */
    find("<a href=\"https://R\xc3\xb8" "dovre.DK/dok/1.pdf\">R\xc3\xb8" "dovre</a>");
    cr_assert_eq(found.n, 1);
    cr_expect(strcmp(found.urls[0], "https://xn--rdovre-bya.dk/dok/1.pdf") == 0 ||
                  strcmp(found.urls[0], "https://r\xc3\xb8" "dovre.dk/dok/1.pdf") == 0,
              "got %s", found.urls[0]);
    links_clear(&found);
}

Test(links, windows_1252_and_utf8_pages_give_the_same_utf8_url)
{
    const char *want = "https://www.rm.dk/dok/m%C3%B8de-%C3%A6%C3%B8%C3%A5.pdf";
    const char *declared = "<html><head><meta charset=\"windows-1252\"></head>"
                           "<body><a href=\"/dok/m\xf8" "de-\xe6\xf8\xe5.pdf\">M\xf8" "de</a></body></html>";
    find(declared);
    EXPECT(want);

    /* no declaration: what browsers and our text decoder take it for */
    const char *undeclared = "<html><body><p>Referater</p>"
                             "<a href=\"/dok/m\xf8" "de-\xe6\xf8\xe5.pdf\">M\xf8" "de</a></body></html>";
    find(undeclared);
    EXPECT(want);

    const char *utf8 = "<html><head><meta charset=\"utf-8\"></head>"
                       "<body><a href=\"/dok/m\xc3\xb8" "de-\xc3\xa6\xc3\xb8\xc3\xa5.pdf\">x</a></body></html>";
    find(utf8);
    EXPECT(want);
}

Test(links, malformed_html_still_gives_its_links)
{
    find("<html><body><table><tr><td><a href=a.pdf>a<td><a href='b.pdf'>b</table>"
         "<p><a href=\"c.pdf\"<a href=\"d.pdf\">d</a></div></span><a href=\"e.pdf\">e");
    cr_assert_geq(found.n, 3);
    cr_expect_str_eq(found.urls[0], "https://www.rm.dk/politik/udvalg/referater/a.pdf");
    cr_expect_str_eq(found.urls[1], "https://www.rm.dk/politik/udvalg/referater/b.pdf");
    cr_expect_str_eq(found.urls[found.n - 1], "https://www.rm.dk/politik/udvalg/referater/e.pdf");
    links_clear(&found);
}

/* ---- feeds ---------------------------------------------------------------- */

Test(links, rss_2_item_links_and_enclosures)
{
    find("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
         "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel>"
         "<title>Referater</title><link>https://www.rm.dk/politik/</link>"
         "<atom:link href=\"https://www.rm.dk/feed.xml\" rel=\"self\"/>"
         "<item><title>M\xc3\xb8" "de 1</title><link>\n   https://www.rm.dk/m/1   \n</link>"
         "<enclosure url=\"https://www.rm.dk/m/1/referat.pdf\" length=\"1\" type=\"application/pdf\"/></item>"
         "<item><link>/m/2?vis=pdf&side=1</link></item>"
         "<item><link><![CDATA[https://www.rm.dk/m/3?a=1&b=2]]></link></item>"
         "<item><link>https://www.rm.dk/m/4?a=1&amp;b=2</link></item>"
         "<item><link>https://www.rm.dk/m/1</link></item>"
         "</channel></rss>");
    EXPECT("https://www.rm.dk/m/1", "https://www.rm.dk/m/1/referat.pdf", "https://www.rm.dk/m/2?vis=pdf&side=1",
           "https://www.rm.dk/m/3?a=1&b=2", "https://www.rm.dk/m/4?a=1&b=2");
}

Test(links, rss_served_as_html_is_still_a_feed)
{
    const char *rss = "<rss version=\"2.0\"><channel><item><link>https://www.rm.dk/m/9</link></item>"
                      "</channel></rss>";
    find_n(rss, strlen(rss), "text/html; charset=utf-8", PAGE_URL, NULL);
    EXPECT("https://www.rm.dk/m/9");
}

Test(links, atom_entry_links_any_rel)
{
    find("<?xml version=\"1.0\"?>"
         "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:m=\"urn:x-media\" xml:base=\"https://dok.rm.dk/udvalg/\">"
         "<link rel=\"self\" href=\"https://www.rm.dk/atom.xml\"/>"
         "<entry><title>1</title><link href=\"moeder/1\"/>"
         "<link rel=\"enclosure\" type=\"application/pdf\" href=\"moeder/1/referat.pdf\"/>"
         "<m:link href=\"https://reklame.example/\"/></entry>"
         "<entry xml:base=\"/andet/\"><link rel=\"alternate\" href=\"2\"/></entry>"
         "<entry><link href=\"https://www.rm.dk/abs.pdf\"/></entry>"
         "</feed>");
    EXPECT("https://dok.rm.dk/udvalg/moeder/1", "https://dok.rm.dk/udvalg/moeder/1/referat.pdf",
           "https://dok.rm.dk/andet/2", "https://www.rm.dk/abs.pdf");
}

Test(links, rdf_rss_1_item_links)
{
    find("<?xml version=\"1.0\"?>\n"
         "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\">"
         "<channel rdf:about=\"https://www.rm.dk/\"><title>R</title><link>https://www.rm.dk/</link>"
         "<items><rdf:Seq><rdf:li resource=\"https://www.rm.dk/r/1\"/></rdf:Seq></items></channel>"
         "<item rdf:about=\"https://www.rm.dk/r/1\"><title>1</title><link>https://www.rm.dk/r/1.pdf</link></item>"
         "<item rdf:about=\"https://www.rm.dk/r/2\"><title>2</title><link>/r/2.pdf</link></item>"
         "</rdf:RDF>");
    EXPECT("https://www.rm.dk/r/1.pdf", "https://www.rm.dk/r/2.pdf");
}

Test(links, feed_in_windows_1252_without_declaration)
{
    find("<?xml version=\"1.0\"?><rss><channel>"
         "<item><link>https://www.rm.dk/m\xf8" "de.pdf</link></item>"
         "<item><link>https://www.rm.dk/efter.pdf</link></item></channel></rss>");
    EXPECT("https://www.rm.dk/m%C3%B8de.pdf", "https://www.rm.dk/efter.pdf");
}

Test(links, feed_entities_are_not_expanded)
{
    /* a billion laughs must neither blow up nor leak into a URL */
    const char *bomb = "<?xml version=\"1.0\"?><!DOCTYPE rss ["
                       "<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">"
                       "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
                       "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
                       "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"
                       "<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                       "<rss><channel><item><link>https://www.rm.dk/&d;.pdf</link></item>"
                       "<item><link>https://www.rm.dk/&x;</link></item>"
                       "<item><link>https://www.rm.dk/ok.pdf</link></item></channel></rss>";
    int rc = links_find(bomb, strlen(bomb), NULL, PAGE_URL, NULL, &found, err, sizeof err);
    if (rc == 0) /* libxml2 2.9 refuses the feed (an entity loop); later ones read on */
        EXPECT("https://www.rm.dk/ok.pdf");
    else
        cr_expect(err[0] != '\0' && !strchr(err, '\n'), "error: %s", err);
}

/* ---- what is no page ------------------------------------------------------ */

Test(links, empty_body_is_a_page_without_links)
{
    find_n("", 0, "text/html", PAGE_URL, NULL);
    expect_none();
    find_n(NULL, 0, NULL, PAGE_URL, NULL);
    expect_none();
    find(" \n\t ");
    expect_none();
}

Test(links, documents_and_other_types_refused)
{
    const char pdf[] = "%PDF-1.7\n<a href=\"x.pdf\">";
    expect_error(pdf, sizeof pdf - 1, NULL, PAGE_URL, "not an HTML page or feed: a PDF document");
    expect_error("<a href=\"x.pdf\">", 16, "application/pdf", PAGE_URL, "not an HTML page or feed: application/pdf");
    const char *sitemap = "<?xml version=\"1.0\"?><urlset><url><loc>https://www.rm.dk/a</loc></url></urlset>";
    expect_error(sitemap, strlen(sitemap), "application/xml", PAGE_URL, "urlset");
    expect_error("<a href=\"x.pdf\">", 16, NULL, "/relative/base", "base URL");
    expect_error("<a href=\"x.pdf\">", 16, NULL, "ftp://ftp.rm.dk/", "base URL");
}

Test(links, junk_bytes_do_no_harm)
{
    size_t n = 256 * 1024;
    char *junk = malloc(n);
    cr_assert_not_null(junk);
    unsigned seed = 12345;
    for (int round = 0; round < 8; round++) {
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            junk[i] = (char)(seed >> 16);
        }
        /* sprinkle markup so the parsers get somewhere */
        static const char a[] = "<a href=\"https://x.dk/\x00\xff\">", rss[] = "<rss><item><link>&#0;&";
        const char *piece = round % 4 == 1 ? a : rss;
        size_t len = round % 4 == 1 ? sizeof a - 1 : sizeof rss - 1;
        for (size_t i = 0; round % 2 && i + len < n; i += 997)
            memcpy(junk + i, piece, len);
        int rc = links_find(junk, n, NULL, PAGE_URL, NULL, &found, err, sizeof err);
        for (size_t i = 0; rc == 0 && i < found.n; i++)
            cr_expect(strncmp(found.urls[i], "http", 4) == 0, "not http(s): %s", found.urls[i]);
        links_clear(&found);
    }
    free(junk);
}

/* ---- hostile and huge ----------------------------------------------------- */

Test(links, overlong_hrefs_dropped_and_nul_bytes_lose_nothing)
{
    size_t big = 100 * 1024;
    char *page = malloc(big + 256);
    cr_assert_not_null(page);
    size_t n = (size_t)sprintf(page, "<a href=\"/a/");
    memset(page + n, 'x', big);
    n += big;
    static const char tail[] = "\">long</a>\0<p>\0</p><a href=\"/after\0nul.pdf\">ok</a><a href=\"/sidst.pdf\">s</a>";
    memcpy(page + n, tail, sizeof tail - 1);
    n += sizeof tail - 1;
    find_n(page, n, NULL, PAGE_URL, NULL);
    EXPECT("https://www.rm.dk/after%20nul.pdf", "https://www.rm.dk/sidst.pdf");
    free(page);
}

Test(links, capped_at_links_max_in_document_order)
{
    size_t count = LINKS_MAX + 500;
    size_t cap = count * 48 + 64;
    char *page = malloc(cap);
    cr_assert_not_null(page);
    size_t n = (size_t)sprintf(page, "<html><body>");
    for (size_t i = 0; i < count; i++) {
        n += (size_t)sprintf(page + n, "<a href=\"/d/%zu.pdf\">%zu</a>", i, i);
        if (i % 2 == 0) /* every other one twice: the set is exercised too */
            n += (size_t)sprintf(page + n, "<a href=\"/d/%zu.pdf#p\">%zu</a>", i, i);
    }
    find_n(page, n, "text/html", PAGE_URL, NULL);
    cr_assert_eq(found.n, LINKS_MAX);
    cr_expect_str_eq(found.urls[0], "https://www.rm.dk/d/0.pdf");
    cr_expect_str_eq(found.urls[1], "https://www.rm.dk/d/1.pdf");
    char last[64];
    snprintf(last, sizeof last, "https://www.rm.dk/d/%d.pdf", LINKS_MAX - 1);
    cr_expect_str_eq(found.urls[LINKS_MAX - 1], last);
    links_clear(&found);
    free(page);
}

Test(links, nesting_too_deep_is_an_error_not_a_short_list)
{
    size_t depth = 400;
    char *page = malloc(depth * 5 + 128);
    cr_assert_not_null(page);
    size_t n = 0;
    for (size_t i = 0; i < depth; i++)
        n += (size_t)sprintf(page + n, "<div>");
    n += (size_t)sprintf(page + n, "<a href=\"/dybt.pdf\">d</a>");
    int rc = links_find(page, n, NULL, PAGE_URL, NULL, &found, err, sizeof err);
    if (rc == 0) /* libxml2 that reads it all: then the link must be there */
        EXPECT("https://www.rm.dk/dybt.pdf");
    else
        cr_expect(strstr(err, "nested") != NULL, "error: %s", err);
    free(page);
}
