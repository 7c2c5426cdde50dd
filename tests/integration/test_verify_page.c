/*
 * test_verify_page.c - API.md section 5, "For people (v1.1)", looked at as a
 * person would: with a real browser (Debian's headless chromium) and a real
 * QR code reader (zbarimg), against the real server and PostgreSQL.
 *
 * What it proves:
 *  - the QR code on the certificate opens the certificate's page: chromium
 *    draws GET /v1/certificates/{serial}.svg (1123 x 794, the image's own
 *    size) and zbarimg reads exactly the certificate's verify_url off the
 *    screenshot; zbarimg reads it off GET /v1/certificates/{serial}.png too,
 *    which is 2246 x 1588 (its IHDR);
 *  - verify_url is {DRILLCAMP_PUBLIC_URL}/verify/{serial}: the server runs
 *    with a public URL that is not its own address (and ends in '/'), and
 *    the page is opened at the path the QR code names;
 *  - the QR code is vector shapes at least 160 px square with a quiet zone
 *    of 4 modules (read off the SVG: zbarimg reads far smaller ones, and
 *    ones with no quiet zone, off a screenshot);
 *  - a hostile display name (markup, '&', quotes) stays text: in the SVG
 *    as sent and in its DOM as chromium parsed it, and on the page (masked,
 *    escaped in the bytes sent too), with no <script> element anywhere;
 *  - the page (text/html, zh-CN, a mobile viewport, CSP default-src
 *    'none') says 有效 for a valid certificate, 已撤销 with the day and the
 *    reason (escaped, no <b> element) for a revoked one and never 有效
 *    then, and 未找到该证书 with a 404 for an unknown serial;
 *  - the issuer: the default 逃生演练训练营组委会, then what PATCH
 *    /v1/admin/campaign sets, on the page and in the SVG's text (markup in
 *    it escaped too), also on a certificate issued before the change; "",
 *    61 characters, a control character or a number are 422 on field
 *    issuer and change nothing; 60 characters (not bytes) are taken;
 *  - the PNG follows the issuer too: after the change it is not the image
 *    drawn before it (whatever the server keeps drawn).
 * Phone-sized (412 x 915) screenshots of the pages are left in
 * DC_TEST_LOG_DIR (verify-*.png) for a person to look at.
 *
 * chromium and zbarimg (scripts/install-deps.sh installs both; the
 * environment may name others in DC_TEST_CHROMIUM and DC_TEST_ZBARIMG) are
 * required: without them the tests that use them FAIL, saying so; nothing
 * is skipped. Each run of a tool has its own HOME and chromium profile in a
 * temporary folder, its own process group, and is killed after 60 s.
 *
 * There is one campaign (id 1), shared by every test: each sets the phase
 * and rules it relies on; the issuer tests run last and put the default
 * back. Users and certificates each test makes for itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* The server's DRILLCAMP_PUBLIC_URL: not its own address, with a trailing
 * slash that verify_url must not double. */
#define PUBLIC_URL        "https://zhengshu.drillcamp.example.cn/"
#define VERIFY_PREFIX     "https://zhengshu.drillcamp.example.cn/verify/"
#define DEFAULT_ISSUER    "逃生演练训练营组委会"
#define HOSTILE_NAME      "<script>alert(1)</script> & \"王\""
#define HOSTILE_NAME_TEXT "&lt;script&gt;alert(1)&lt;/script&gt; &amp; "
/* its masked form as HTML text: the first character, a star for each of
 * the other 30 */
#define MASKED_TEXT  "&lt;******************************"
#define TOOL_LIMIT_S 60
#define SVG_W        1123
#define SVG_H        794
#define PHONE_W      412
#define PHONE_H      915

/* One admin for the whole run, made in main() before the tests fork. */
static char *admin;
/* The program's process (the tests run in children of it): names files. */
static pid_t main_pid;

/* ---- files ------------------------------------------------------------ */

/* The whole file, NUL-terminated (malloc'ed), its length in *len; NULL
 * when it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 8192, n = 0;
    char *p = dc_need(malloc(cap));
    size_t got;
    while ((got = fread(p + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2)
            p = dc_need(realloc(p, cap *= 2));
    }
    fclose(f);
    p[n] = '\0';
    if (len)
        *len = n;
    return p;
}

static void spit(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* The program's scratch folder, /tmp/dc_verify_PID: main() removes it
 * after the tests, however they ended (a failing test exits at once). */
static char scratch_root[64];

/* A scratch folder per test in it: chromium's HOME and profiles. */
struct scratch {
    char dir[96];
    int runs; /* tools run so far: each chromium gets a new profile */
};

static void scratch_open(struct scratch *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s/test_XXXXXX", scratch_root);
    ck_assert_msg(mkdtemp(s->dir) != NULL, "mkdtemp: %s", strerror(errno));
}

static void scratch_close(struct scratch *s)
{
    nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* DC_TEST_LOG_DIR (as the harness uses it), made if missing. */
static const char *log_dir(void)
{
    const char *d = getenv("DC_TEST_LOG_DIR");
    if (!d || !*d)
        d = ".";
    mkdir(d, 0755);
    return d;
}

/* ---- the tools ---------------------------------------------------------- */

/* The command for a tool: the environment's override or the default; the
 * test fails, saying what to install, when it is not on PATH. */
static const char *need_tool(const char *env, const char *def, const char *package)
{
    const char *cmd = getenv(env);
    if (!cmd || !*cmd)
        cmd = def;
    bool found = false;
    if (strchr(cmd, '/')) {
        found = access(cmd, X_OK) == 0;
    } else {
        char *path = dc_strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
        char *save = NULL;
        for (char *d = strtok_r(path, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
            char *full = dc_fmt("%s/%s", *d ? d : ".", cmd);
            found = access(full, X_OK) == 0;
            free(full);
        }
        free(path);
    }
    ck_assert_msg(found,
                  "%s is not installed (no such command): this test looks at certificates as a "
                  "person would and cannot run without it; install the Debian package %s "
                  "(scripts/install-deps.sh does), or name the command in %s",
                  cmd, package, env);
    return cmd;
}

static const char *chromium_cmd(void)
{
    return need_tool("DC_TEST_CHROMIUM", "chromium", "chromium");
}

static const char *zbarimg_cmd(void)
{
    return need_tool("DC_TEST_ZBARIMG", "zbarimg", "zbar-tools");
}

/* Where the tools' stderr goes (chromium is chatty: D-Bus and the like). */
static const char *tool_log(void)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/verify-tools-%d.log", log_dir(), (int)main_pid);
    return path;
}

/*
 * Runs argv in a process group of its own with HOME=home, stdin from
 * /dev/null, stdout into out_path and stderr appended to tool_log(). The
 * group is killed after TOOL_LIMIT_S seconds (and in any case once the
 * tool is done, so no chromium helper outlives it). Returns the exit
 * status; the test fails when the tool hung or was killed by a signal.
 */
static int run_tool(char *const argv[], const char *home, const char *out_path)
{
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        setpgid(0, 0);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(126);
        setenv("HOME", home, 1);
        setenv("XDG_CONFIG_HOME", home, 1);
        setenv("XDG_CACHE_HOME", home, 1);
        int in = open("/dev/null", O_RDONLY);
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(tool_log(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (in < 0 || out < 0 || err < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    setpgid(pid, pid);
    double deadline = dc_now_s() + TOOL_LIMIT_S;
    int status = 0;
    bool done = false;
    while (!done && dc_now_s() < deadline) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            done = true;
        else if (w < 0 && errno != EINTR)
            ck_abort_msg("waitpid %s: %s", argv[0], strerror(errno));
        else
            usleep(20 * 1000);
    }
    kill(-pid, SIGKILL);
    if (!done)
        waitpid(pid, &status, 0);
    ck_assert_msg(done, "%s hung: killed after %d s (its stderr: %s)", argv[0], TOOL_LIMIT_S,
                  tool_log());
    ck_assert_msg(WIFEXITED(status), "%s was killed by signal %d (its stderr: %s)", argv[0],
                  WIFSIGNALED(status) ? WTERMSIG(status) : 0, tool_log());
    ck_assert_msg(WEXITSTATUS(status) != 127, "%s could not be started", argv[0]);
    return WEXITSTATUS(status);
}

/* chromium --headless with a fresh profile; extra: the mode's flags. */
static int chromium(struct scratch *s, const char *window, const char *mode, const char *url,
                    const char *out_path)
{
    char *profile = dc_fmt("--user-data-dir=%s/profile-%d", s->dir, ++s->runs);
    char *size = dc_fmt("--window-size=%s", window);
    char *const argv[] = {(char *)chromium_cmd(),
                          "--headless=new",
                          "--no-sandbox",
                          "--disable-gpu",
                          "--hide-scrollbars",
                          "--no-first-run",
                          "--disable-extensions",
                          "--disable-background-networking",
                          "--disable-component-update",
                          "--disable-sync",
                          "--force-device-scale-factor=1",
                          profile,
                          size,
                          (char *)mode,
                          (char *)url,
                          NULL};
    int st = run_tool(argv, s->dir, out_path);
    free(profile);
    free(size);
    return st;
}

/* The DOM chromium built from url, serialized (malloc'ed). */
static char *dump_dom(struct scratch *s, const char *url)
{
    char *out = dc_fmt("%s/dom-%d.html", s->dir, s->runs + 1);
    int st = chromium(s, "1123,794", "--dump-dom", url, out);
    char *dom = slurp(out, NULL);
    ck_assert_msg(st == 0 && dom && *dom,
                  "chromium --dump-dom %s: status %d, DOM: %.2000s (stderr: %s)", url, st,
                  dom ? dom : "(none)", tool_log());
    free(out);
    return dom;
}

/* Width and height from a PNG's IHDR; false when it is not a PNG. */
static bool png_size(const char *data, size_t len, unsigned *w, unsigned *h)
{
    const unsigned char *p = (const unsigned char *)data;
    static const unsigned char SIG[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (len < 24 || memcmp(p, SIG, 8) != 0 || memcmp(p + 12, "IHDR", 4) != 0)
        return false;
    *w = (unsigned)p[16] << 24 | (unsigned)p[17] << 16 | (unsigned)p[18] << 8 | p[19];
    *h = (unsigned)p[20] << 24 | (unsigned)p[21] << 16 | (unsigned)p[22] << 8 | p[23];
    return true;
}

/* Asserts the file is a PNG of w x h of at least min_bytes (a blank
 * screenshot of a page is a few kilobytes). */
static void assert_png(const char *path, unsigned w, unsigned h, size_t min_bytes)
{
    size_t len = 0;
    char *png = slurp(path, &len);
    ck_assert_msg(png != NULL, "no image at %s", path);
    unsigned pw = 0, ph = 0;
    ck_assert_msg(png_size(png, len, &pw, &ph), "%s is not a PNG", path);
    ck_assert_msg(pw == w && ph == h, "%s is %ux%u, not %ux%u", path, pw, ph, w, h);
    ck_assert_msg(len >= min_bytes, "%s is %zu bytes: blank? (at least %zu expected)", path, len,
                  min_bytes);
    free(png);
}

/* A chromium screenshot of url in a window of w x h into path. */
static void screenshot(struct scratch *s, const char *url, unsigned w, unsigned h, const char *path,
                       size_t min_bytes)
{
    char window[32], *flag = dc_fmt("--screenshot=%s", path);
    snprintf(window, sizeof window, "%u,%u", w, h);
    unlink(path);
    char *out = dc_fmt("%s/screenshot-%d.out", s->dir, s->runs + 1);
    int st = chromium(s, window, flag, url, out);
    ck_assert_msg(st == 0, "chromium --screenshot %s: status %d (stderr: %s)", url, st, tool_log());
    assert_png(path, w, h, min_bytes);
    free(flag);
    free(out);
}

/* What zbarimg reads off the image at path: every symbol, one a line. */
static char *qr_read(struct scratch *s, const char *path)
{
    char *out = dc_fmt("%s/zbar-%d.txt", s->dir, ++s->runs);
    char *const argv[] = {(char *)zbarimg_cmd(), "-q", "--raw", (char *)path, NULL};
    int st = run_tool(argv, s->dir, out);
    char *text = slurp(out, NULL);
    ck_assert_msg(st == 0 && text, "zbarimg found no code in %s (status %d)", path, st);
    free(out);
    return text;
}

/* Asserts zbarimg reads exactly one code, url, off the image at path. */
static void assert_qr_is(struct scratch *s, const char *path, const char *url)
{
    char *text = qr_read(s, path);
    char *want = dc_fmt("%s\n", url);
    ck_assert_msg(strcmp(text, want) == 0, "the QR code in %s reads [%s], not [%s]", path, text,
                  url);
    free(want);
    free(text);
}

/* ---- HTML and the API ---------------------------------------------------- */

/* Whether the markup has an element named tag ("<tag" followed by '>',
 * '/' or a space), in any case. */
static bool has_element(const char *markup, const char *tag)
{
    size_t n = strlen(tag);
    for (const char *p = strchr(markup, '<'); p; p = strchr(p + 1, '<'))
        if (strncasecmp(p + 1, tag, n) == 0 && strchr(" \t\r\n/>", p[1 + n]))
            return true;
    return false;
}

/* The server's own address of a URL's path: what a phone opens after the
 * QR code, here on the test server (whose public URL is elsewhere). */
static char *local_url(const char *url)
{
    const char *host = strstr(url, "://");
    const char *path = host ? strchr(host + 3, '/') : NULL;
    ck_assert_msg(path != NULL, "no path in %s", url);
    return dc_fmt("%s%s", dc_base_url(), path);
}

/* A screenshot's file in the log folder, for a person to look at. */
static char *keep_path(const char *what)
{
    return dc_fmt("%s/verify-%s-%d.png", log_dir(), what, (int)main_pid);
}

/* A user named name with 8 class hours and a claimed certificate; returns
 * the certificate (its verify_url checked against the public URL). */
static json_t *certified(const char *name, struct dc_user *out)
{
    dc_campaign_live(admin, DC_RULES_FAST);
    struct dc_user u = dc_new_user(name);
    dc_earn(admin, u.token, 8 * 3600);
    json_t *c = dc_expect_json("POST", "/v1/me/certificate", u.token, NULL, 201, "claim");
    ck_assert_str_eq(dc_str(c, "holder_name"), name);
    const char *serial = dc_str(c, "serial"), *url = dc_str(c, "verify_url");
    ck_assert_ptr_nonnull(serial);
    char *want = dc_fmt("%s%s", VERIFY_PREFIX, serial);
    ck_assert_msg(url && strcmp(url, want) == 0, "verify_url %s, not %s", url, want);
    free(want);
    if (out)
        *out = u;
    return c;
}

/* GET path: asserts the status and that the answer is the HTML page of
 * the contract (type, language, viewport, CSP, no script). */
static struct dc_resp *get_page(const char *path, long status)
{
    struct dc_resp *r = dc_http("GET", path, NULL, NULL, NULL, 0);
    dc_expect_status(r, status, path);
    char *ct = dc_resp_header(r, "Content-Type");
    ck_assert_msg(ct && strcmp(ct, "text/html; charset=utf-8") == 0, "%s: Content-Type %s", path,
                  ct);
    free(ct);
    char *csp = dc_resp_header(r, "Content-Security-Policy");
    ck_assert_msg(csp && strstr(csp, "default-src 'none'"), "%s: CSP %s", path, csp);
    free(csp);
    ck_assert_msg(strstr(r->body, "<html lang=\"zh-CN\"") != NULL, "%s: not zh-CN: %.2000s", path,
                  r->body);
    ck_assert_msg(strstr(r->body, "name=\"viewport\"") != NULL, "%s: no viewport", path);
    ck_assert_msg(!has_element(r->body, "script"), "%s has a script: %.2000s", path, r->body);
    return r;
}

/* text as an HTML serializer writes a text node: & < > escaped
 * (malloc'ed) */
static char *html_text(const char *text)
{
    char *out = dc_need(malloc(strlen(text) * 5 + 1)), *o = out;
    for (const char *p = text; *p; p++) {
        const char *rep = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : NULL;
        if (rep)
            o = stpcpy(o, rep);
        else
            *o++ = *p;
    }
    *o = '\0';
    return out;
}

/* The texts of the SVG's <text> elements, one a line, with the five XML
 * entities read back (malloc'ed); the test fails on an element inside a
 * <text> (markup that was not escaped) or an entity it does not know. */
static char *svg_texts(const char *svg)
{
    char *out = dc_need(calloc(1, strlen(svg) + 1)), *o = out;
    for (const char *p = strstr(svg, "<text"); p; p = strstr(p, "<text")) {
        const char *open_end = strchr(p, '>');
        const char *close = open_end ? strstr(open_end, "</text>") : NULL;
        ck_assert_msg(close != NULL, "an unclosed <text> in the SVG: %.2000s", svg);
        for (const char *c = open_end + 1; c < close; c++) {
            ck_assert_msg(*c != '<', "an element inside a <text> of the SVG: %.300s", p);
            static const char *const ENT[][2] = {
                {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}};
            if (*c == '&') {
                size_t k = 0;
                for (; k < 5 && strncmp(c, ENT[k][0], strlen(ENT[k][0])) != 0; k++)
                    ;
                ck_assert_msg(k < 5, "an unknown entity in the SVG: %.40s", c);
                *o++ = ENT[k][1][0];
                c += strlen(ENT[k][0]) - 1;
            } else {
                *o++ = *c;
            }
        }
        *o++ = '\n';
        p = close;
    }
    *o = '\0';
    return out;
}

/*
 * The QR code as the SVG draws it: a group <g transform="... scale(S)">
 * starting with a white square <rect width="N" height="N"/> (the quiet
 * zone included) and a <path> of the dark modules, each run on a row
 * "Mx yhW..." in module units. *units: the square's size in the SVG's
 * units (= CSS px: the image is 1123 x 794 in a viewBox of the same), S *
 * N; *quiet: the fewest modules of white between the dark ones and the
 * square's edge. The test fails, saying so, when the drawing is not found
 * in that form (it changed: update the test).
 */
static void qr_geometry(const char *svg, double *units, int *quiet)
{
    for (const char *g = strstr(svg, "<g transform=\""); g; g = strstr(g + 1, "<g transform=\"")) {
        const char *end = strchr(g, '>'), *sc = strstr(g, "scale(");
        const char *rect = end ? strstr(end, "<rect") : NULL;
        const char *d = rect ? strstr(rect, " d=\"") : NULL;
        const char *gend = strstr(g, "</g>");
        double scale = 0;
        int w = 0, h = 0;
        if (!sc || sc > end || sscanf(sc, "scale(%lf)", &scale) != 1 || !rect || !d || !gend ||
            d > gend)
            continue;
        const char *ws = strstr(rect, "width=\""), *hs = strstr(rect, "height=\"");
        const char *rend = strchr(rect, '>');
        if (!ws || !hs || ws > rend || hs > rend || sscanf(ws, "width=\"%d\"", &w) != 1 ||
            sscanf(hs, "height=\"%d\"", &h) != 1 || w != h || w <= 0)
            continue;
        int minx = w, miny = w, maxx = 0, maxy = 0, runs = 0;
        const char *dend = strchr(d + 4, '"');
        for (const char *m = strchr(d, 'M'); m && m < dend; m = strchr(m + 1, 'M')) {
            int x, y, run;
            ck_assert_msg(sscanf(m, "M%d %dh%d", &x, &y, &run) == 3 && run > 0,
                          "a QR code run not of the form Mx yhW: %.40s", m);
            minx = x < minx ? x : minx;
            miny = y < miny ? y : miny;
            maxx = x + run > maxx ? x + run : maxx;
            maxy = y + 1 > maxy ? y + 1 : maxy;
            runs++;
        }
        ck_assert_msg(runs > 0, "a QR code with no dark modules: %.300s", g);
        int q = minx;
        q = miny < q ? miny : q;
        q = w - maxx < q ? w - maxx : q;
        q = w - maxy < q ? w - maxy : q;
        *units = scale * w;
        *quiet = q;
        return;
    }
    ck_abort_msg("no QR code drawn as <g transform=\"... scale(S)\"><rect width=N height=N/>"
                 "<path d=\"Mx yhW...\"/> in the SVG: %.2000s",
                 svg);
}

/* The certificate's SVG as the server sends it (malloc'ed). */
static char *get_svg(const char *serial)
{
    char *path = dc_fmt("/v1/certificates/%s.svg", serial);
    struct dc_resp *r = dc_http("GET", path, NULL, NULL, NULL, 0);
    dc_expect_status(r, 200, path);
    char *svg = dc_strdup(r->body);
    dc_resp_free(r);
    free(path);
    return svg;
}

/* The certificate's PNG (malloc'ed, its length in *len). */
static char *get_png(const char *serial, size_t *len)
{
    char *path = dc_fmt("/v1/certificates/%s.png", serial);
    struct dc_resp *r = dc_http("GET", path, NULL, NULL, NULL, 0);
    dc_expect_status(r, 200, path);
    char *ct = dc_resp_header(r, "Content-Type");
    ck_assert_msg(ct && strcmp(ct, "image/png") == 0, "PNG Content-Type %s", ct);
    free(ct);
    char *png = dc_need(malloc(r->body_len + 1));
    memcpy(png, r->body, r->body_len);
    *len = r->body_len;
    dc_resp_free(r);
    free(path);
    return png;
}

/* The Beijing day (UTC+8) of an RFC 3339 time with Z or +hh:mm. */
static void beijing_day(const char *rfc3339, char out[11])
{
    int y, mo, d, h, mi, s, n = 0;
    ck_assert_msg(sscanf(rfc3339, "%d-%d-%dT%d:%d:%d%n", &y, &mo, &d, &h, &mi, &s, &n) == 6,
                  "not a time: %s", rfc3339);
    const char *z = rfc3339 + n;
    while (*z == '.' || (*z >= '0' && *z <= '9'))
        z++;
    long off = 0;
    int oh, om;
    if ((*z == '+' || *z == '-') && sscanf(z + 1, "%d:%d", &oh, &om) == 2)
        off = (*z == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    time_t t = timegm(&tm) - off + 8L * 3600;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* PATCH /v1/admin/campaign {"issuer": issuer}; returns the answer. */
static struct dc_resp *set_issuer(const char *issuer)
{
    return dc_send_json("PATCH", "/v1/admin/campaign", admin, json_pack("{s:s}", "issuer", issuer));
}

static void set_issuer_ok(const char *issuer)
{
    struct dc_resp *r = set_issuer(issuer);
    dc_expect_status(r, 200, "PATCH issuer");
    ck_assert_str_eq(dc_str(r->json, "issuer"), issuer);
    dc_resp_free(r);
}

/* ---- 1. a valid certificate, a hostile name -------------------------- */

START_TEST(valid_certificate_seen_and_scanned)
{
    chromium_cmd(), zbarimg_cmd();
    struct scratch s;
    scratch_open(&s);
    json_t *c = certified(HOSTILE_NAME, NULL);
    const char *serial = dc_str(c, "serial"), *url = dc_str(c, "verify_url");
    char *svg_url = dc_fmt("%s/v1/certificates/%s.svg", dc_base_url(), serial);

    /* (a) the SVG as chromium draws it: the QR code reads verify_url */
    char *shot = keep_path("certificate-svg");
    screenshot(&s, svg_url, SVG_W, SVG_H, shot, 20000);
    assert_qr_is(&s, shot, url);

    /* (b) the PNG: 2246 x 1588, and the QR code reads verify_url */
    size_t len = 0;
    char *png = get_png(serial, &len);
    unsigned w = 0, h = 0;
    ck_assert_msg(png_size(png, len, &w, &h), "the .png is not a PNG");
    ck_assert_msg(w == 2246 && h == 1588, "the PNG is %ux%u, not 2246x1588", w, h);
    char *png_file = dc_fmt("%s/certificate.png", s.dir);
    spit(png_file, png, len);
    assert_qr_is(&s, png_file, url);

    /* (c) the name is text: in the SVG as sent, and in its DOM as chromium
     * parsed it; there is no script. And the QR code is vector shapes (no
     * embedded image) at least 160 px square, quiet zone included: zbarimg
     * reads far smaller ones off a screenshot, a phone camera may not */
    char *svg = get_svg(serial);
    ck_assert_msg(!has_element(svg, "image"), "an embedded image in the SVG");
    double units = 0;
    int quiet = 0;
    qr_geometry(svg, &units, &quiet);
    ck_assert_msg(units >= 160.0, "the QR code is %.1f px square, under 160", units);
    ck_assert_msg(quiet >= 4, "the QR code's quiet zone is %d modules, under 4", quiet);
    char *texts = svg_texts(svg);
    ck_assert_msg(strstr(texts, "\n" HOSTILE_NAME "\n"), "no name text in the SVG: %s", texts);
    ck_assert_msg(!has_element(svg, "script"), "a script element in the SVG: %.2000s", svg);
    free(texts);
    free(svg);
    char *dom = dump_dom(&s, svg_url);
    ck_assert_msg(strstr(dom, HOSTILE_NAME_TEXT "\"王\"") ||
                      strstr(dom, HOSTILE_NAME_TEXT "&quot;王&quot;"),
                  "the name is not text in the SVG's DOM: %.2000s", dom);
    ck_assert_msg(!has_element(dom, "script"), "a script element in the SVG's DOM: %.2000s", dom);
    ck_assert_msg(strstr(dom, "颁发单位：" DEFAULT_ISSUER), "no issuer in the SVG: %.2000s", dom);
    free(dom);

    /* the page the QR code opens (here, on the test server's address) */
    char *qr_text = qr_read(&s, png_file);
    qr_text[strcspn(qr_text, "\n")] = '\0';
    char *page_url = local_url(qr_text);
    char *path = dc_fmt("/verify/%s", serial);
    /* as sent: escaped (a browser would take "<*" as text anyway, so only
     * the bytes show it) */
    struct dc_resp *r = get_page(path, 200);
    ck_assert_msg(strstr(r->body, "<dd>" MASKED_TEXT "</dd>"), "the masked name as sent: %.2000s",
                  r->body);
    dc_resp_free(r);
    dom = dump_dom(&s, page_url);
    ck_assert_msg(!has_element(dom, "script"), "a script element on the page: %.2000s", dom);
    ck_assert_msg(strstr(dom, "有效") && !strstr(dom, "已撤销"), "not 有效: %.2000s", dom);
    /* the masked name: the first character (escaped), a star for each other */
    ck_assert_msg(strstr(dom, "<dd>" MASKED_TEXT "</dd>"), "no masked name <****...: %.2000s", dom);
    ck_assert_msg(!strstr(dom, "alert") && !strstr(dom, "王"), "the full name is shown: %.2000s",
                  dom);
    ck_assert_msg(strstr(dom, "<dd>" DEFAULT_ISSUER "</dd>"), "no issuer: %.2000s", dom);
    ck_assert_msg(strstr(dom, serial), "no serial: %.2000s", dom);
    ck_assert_msg(strstr(dom, "<dd>8.00</dd>"), "no class hours 8.00: %.2000s", dom);
    char day[11];
    beijing_day(dc_str(c, "issued_at"), day);
    ck_assert_msg(strstr(dom, day), "no issue day %s: %s", day, dom);
    free(dom);
    char *phone = keep_path("valid");
    screenshot(&s, page_url, PHONE_W, PHONE_H, phone, 10000);

    free(phone);
    free(path);
    free(page_url);
    free(qr_text);
    free(png_file);
    free(png);
    free(shot);
    free(svg_url);
    json_decref(c);
    scratch_close(&s);
}
END_TEST

/* ---- 2. a revoked certificate ------------------------------------------ */

START_TEST(revoked_certificate_page)
{
    chromium_cmd();
    struct scratch s;
    scratch_open(&s);
    json_t *c = certified("李四", NULL);
    const char *serial = dc_str(c, "serial");
    const char *reason = "<b>&学时造假</b>，经核实撤销";
    char *revoke = dc_fmt("/v1/admin/certificates/%s/revoke", serial);
    struct dc_resp *r = dc_send_json("POST", revoke, admin, json_pack("{s:s}", "reason", reason));
    dc_expect_status(r, 200, "revoke");
    dc_resp_free(r);
    char *json_path = dc_fmt("/v1/certificates/%s", serial);
    json_t *v = dc_expect_json("GET", json_path, NULL, NULL, 200, "verification");
    ck_assert(json_is_false(json_object_get(v, "valid")));
    char day[11];
    beijing_day(dc_str(v, "revoked_at"), day);

    char *path = dc_fmt("/verify/%s", serial);
    r = get_page(path, 200);
    ck_assert_msg(!has_element(r->body, "b"), "the reason's <b> is markup: %.2000s", r->body);
    dc_resp_free(r);
    char *page_url = local_url(dc_str(c, "verify_url"));
    char *dom = dump_dom(&s, page_url);
    ck_assert_msg(strstr(dom, "已撤销"), "not 已撤销: %.2000s", dom);
    ck_assert_msg(!strstr(dom, "有效"), "a revoked certificate's page says 有效: %.2000s", dom);
    ck_assert_msg(strstr(dom, "撤销原因") &&
                      strstr(dom, "&lt;b&gt;&amp;学时造假&lt;/b&gt;，经核实撤销"),
                  "no escaped reason: %.2000s", dom);
    ck_assert_msg(!has_element(dom, "b") && !has_element(dom, "script"),
                  "markup from the reason on the page: %.2000s", dom);
    ck_assert_msg(strstr(dom, "撤销日期") && strstr(dom, day), "no revocation day %s: %s", day,
                  dom);
    ck_assert_msg(strstr(dom, "李*"), "no masked name 李*: %.2000s", dom);
    char *phone = keep_path("revoked");
    screenshot(&s, page_url, PHONE_W, PHONE_H, phone, 10000);

    free(phone);
    free(dom);
    free(page_url);
    free(path);
    json_decref(v);
    free(json_path);
    free(revoke);
    json_decref(c);
    scratch_close(&s);
}
END_TEST

/* ---- 3. an unknown serial ---------------------------------------------- */

START_TEST(unknown_serial_page)
{
    chromium_cmd();
    struct scratch s;
    scratch_open(&s);
    static const char *const paths[] = {"/verify/DC-0000-0000-0000-0000", "/verify/not-a-serial"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct dc_resp *r = get_page(paths[i], 404);
        ck_assert_msg(strstr(r->body, "未找到该证书"), "%s: %.2000s", paths[i], r->body);
        ck_assert_msg(!strstr(r->body, "有效"), "%s: %.2000s", paths[i], r->body);
        dc_resp_free(r);
    }
    char *url = dc_fmt("%s%s", dc_base_url(), paths[0]);
    char *dom = dump_dom(&s, url);
    ck_assert_msg(strstr(dom, "未找到该证书"), "chromium shows no 未找到该证书: %.2000s", dom);
    ck_assert_msg(!strstr(dom, "有效") && !strstr(dom, "已撤销"), "a status for nothing: %.2000s",
                  dom);
    ck_assert_msg(!has_element(dom, "script"), "a script element: %.2000s", dom);
    free(dom);
    free(url);
    scratch_close(&s);
}
END_TEST

/* ---- 4. the issuer ------------------------------------------------------ */

/* The page (through chromium) and the SVG's text name the issuer, and
 * not gone. */
static void assert_issuer_shown(struct scratch *s, const char *serial, const char *page_url,
                                const char *issuer, const char *gone)
{
    char *dom = dump_dom(s, page_url);
    char *esc = html_text(issuer);
    char *want = dc_fmt("<dt>颁发单位</dt><dd>%s</dd>", esc);
    ck_assert_msg(strstr(dom, want), "the page does not show issuer %s: %.2000s", esc, dom);
    ck_assert_msg(!strstr(dom, gone), "the page still shows %s: %.2000s", gone, dom);
    ck_assert_msg(!has_element(dom, "i") && !has_element(dom, "script"), "markup: %.2000s", dom);
    free(want);
    free(esc);
    free(dom);
    char *svg = get_svg(serial);
    char *texts = svg_texts(svg);
    want = dc_fmt("\n颁发单位：%s\n", issuer);
    ck_assert_msg(strstr(texts, want), "the SVG does not show issuer %s: %s", issuer, texts);
    ck_assert_msg(!strstr(texts, gone), "the SVG still shows %s: %s", gone, texts);
    ck_assert_msg(!has_element(svg, "i") && !has_element(svg, "script"),
                  "markup in the SVG: %.2000s", svg);
    free(want);
    free(texts);
    free(svg);
}

/* n copies of the 3-byte character 中 (malloc'ed) */
static char *zhong(size_t n)
{
    char *s = dc_need(malloc(n * 3 + 1));
    for (size_t i = 0; i < n; i++)
        memcpy(s + 3 * i, "中", 3);
    s[3 * n] = '\0';
    return s;
}

START_TEST(issuer_on_page_and_svg)
{
    chromium_cmd();
    struct scratch s;
    scratch_open(&s);
    set_issuer_ok(DEFAULT_ISSUER);
    json_t *c = certified("王五", NULL);
    const char *serial = dc_str(c, "serial");
    char *page_url = local_url(dc_str(c, "verify_url"));
    assert_issuer_shown(&s, serial, page_url, DEFAULT_ISSUER, "应急管理宣传中心");

    /* the campaign's issuer is the one shown, on certificates issued before
     * the change too */
    set_issuer_ok("应急管理宣传中心");
    json_t *camp = dc_expect_json("GET", "/v1/campaign", NULL, NULL, 200, "campaign");
    ck_assert_str_eq(dc_str(camp, "issuer"), "应急管理宣传中心");
    json_decref(camp);
    assert_issuer_shown(&s, serial, page_url, "应急管理宣传中心", DEFAULT_ISSUER);

    /* an admin's markup is text too */
    set_issuer_ok("<i>应急</i>&\"中心\"");
    assert_issuer_shown(&s, serial, page_url, "<i>应急</i>&\"中心\"", "应急管理宣传中心");

    /* 1-60 characters (not bytes), no control characters; a refusal
     * changes nothing */
    set_issuer_ok("应急管理宣传中心");
    char *long61 = zhong(61), *long60 = zhong(60);
    const char *bad[] = {"", long61, "应急\x01中心"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct dc_resp *r = set_issuer(bad[i]);
        dc_expect_error(r, 422, "validation_failed", "issuer", bad[i]);
        dc_resp_free(r);
    }
    struct dc_resp *r =
        dc_send_json("PATCH", "/v1/admin/campaign", admin, json_pack("{s:i}", "issuer", 7));
    dc_expect_error(r, 422, "validation_failed", "issuer", "issuer 7");
    dc_resp_free(r);
    assert_issuer_shown(&s, serial, page_url, "应急管理宣传中心", DEFAULT_ISSUER);
    set_issuer_ok(long60);
    assert_issuer_shown(&s, serial, page_url, long60, "应急管理宣传中心");

    set_issuer_ok(DEFAULT_ISSUER);
    free(long60);
    free(long61);
    free(page_url);
    json_decref(c);
    scratch_close(&s);
}
END_TEST

/* ---- 5. the PNG follows the issuer ------------------------------------ */

/* The PNG is the SVG drawn: once the issuer changes, it is not the image
 * drawn before (which named the old issuer), whatever is cached. */
START_TEST(png_follows_issuer)
{
    set_issuer_ok(DEFAULT_ISSUER);
    json_t *c = certified("赵六", NULL);
    const char *serial = dc_str(c, "serial");
    size_t before_len = 0, after_len = 0;
    char *before = get_png(serial, &before_len);
    set_issuer_ok("应急管理宣传中心");
    char *svg = get_svg(serial);
    char *texts = svg_texts(svg);
    ck_assert_msg(strstr(texts, "颁发单位：应急管理宣传中心"), "the SVG: %s", texts);
    char *after = get_png(serial, &after_len);
    bool same = before_len == after_len && memcmp(before, after, before_len) == 0;
    set_issuer_ok(DEFAULT_ISSUER);
    ck_assert_msg(!same,
                  "GET .png after the issuer changed is the image drawn before (the same %zu "
                  "bytes): it still names the old issuer",
                  after_len);
    free(after);
    free(texts);
    free(svg);
    free(before);
    json_decref(c);
}
END_TEST

int main(void)
{
    main_pid = getpid();
    snprintf(scratch_root, sizeof scratch_root, "/tmp/dc_verify_%d", (int)main_pid);
    nftw(scratch_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (mkdir(scratch_root, 0700) != 0) {
        fprintf(stderr, "test_verify_page: cannot make %s: %s\n", scratch_root, strerror(errno));
        return 1;
    }
    setenv("DRILLCAMP_PUBLIC_URL", PUBLIC_URL, 1);
    admin = dc_start_with_admin("test_verify_page");
    Suite *s = suite_create("verify_page");
    /* a tool may take up to TOOL_LIMIT_S; a test runs up to ten of them */
    dc_add_tcase(s, "verify_page", 600, valid_certificate_seen_and_scanned,
                 revoked_certificate_page, unknown_serial_page, issuer_on_page_and_svg,
                 png_follows_issuer, NULL);
    int rc = dc_finish("test_verify_page", dc_run_suite(s));
    nftw(scratch_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(admin);
    return rc;
}
