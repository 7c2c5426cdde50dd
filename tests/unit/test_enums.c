/*
 * test_enums.c - the enumerations of src/core/enums.c (enums.h) against
 * the other places that list the same values, read at run time:
 *
 *   - migrations/NNNN_*.sql: every CHECK (col IN ('a', 'b', ...)) (also the
 *     pg_dump form col = ANY (ARRAY['a'::text, ...])), spanning lines or
 *     not, per table and column; a later migration redefines a constraint
 *     (the newest definition counts; DROP CONSTRAINT and DROP COLUMN remove
 *     it). The constraints of SQL_SITES must exist and list exactly the
 *     enum's keys. Any other CHECK list sharing a value with an enum, or on
 *     a column of SQL_SITES' names, must be classified in SQL_SITES or
 *     SQL_UNRELATED. A filter naming a table-qualified column of SQL_SITES
 *     (submissions.status IN (...)) may name only keys of its enum.
 *
 *   - api/openapi.yaml, through a small reader for the block-style YAML the
 *     spec is written in: every schema property and every parameter whose
 *     name is in SPEC_SITES (anywhere: components, inline request bodies,
 *     path parameters), resolved through $ref, allOf, oneOf, anyOf and
 *     const, must allow exactly the enum's keys (and its default must be
 *     one of them); the ambiguous names (`type`, `status`, `action`) are
 *     classified per schema or path, and an unclassified occurrence fails.
 *     Every `enum:` list of the spec that shares a value with an enum must
 *     have been reached from a classified site.
 *
 *   - the tables themselves: no duplicate keys, snake_case ASCII keys,
 *     labels on exactly the audience and organization type values, every
 *     message naming every key (but for the two existing generic texts),
 *     and the lookup functions.
 *
 * Every difference is reported with the file (and line) and the value. The
 * tree read is SOURCE_DIR, or $DRILLCAMP_SOURCE_DIR when set (to try the
 * test on an edited copy).
 */
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "drillcamp/enums.h"
#include "drillcamp/http.h"

/* ------------------------------------------------------------------ */
/* helpers                                                              */

static const char *source_dir(void)
{
    const char *d = getenv("DRILLCAMP_SOURCE_DIR");
    return d && d[0] ? d : SOURCE_DIR;
}

static void *need(void *p)
{
    if (!p) {
        ck_abort_msg("out of memory");
        abort(); /* not reached; for the static analyzer */
    }
    return p;
}

static char *dupstr(const char *s, size_t n)
{
    char *p = need(malloc(n + 1));
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* The whole file (relative to the source dir), NUL-terminated. */
static char *read_file(const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", source_dir(), rel);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    size_t cap = 1 << 16, len = 0;
    char *buf = need(malloc(cap));
    size_t got;
    while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len - 1 == 0)
            buf = need(realloc(buf, cap *= 2));
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* Differences found so far; a test fails once at its end, listing all. */
static char report[16384];
static size_t report_len;
static int report_count;

__attribute__((format(printf, 1, 2))) static void differ(const char *fmt, ...)
{
    report_count++;
    if (report_len + 2 >= sizeof report)
        return;
    size_t room = sizeof report - report_len - 1; /* one byte kept for the newline */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(report + report_len, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        report_len += (size_t)n < room ? (size_t)n : room - 1;
    report[report_len++] = '\n';
    report[report_len] = '\0';
}

static void report_reset(void)
{
    report_len = 0;
    report_count = 0;
    report[0] = '\0';
}

static void report_check(void)
{
    ck_assert_msg(report_count == 0, "%d difference(s):\n%s", report_count, report);
}

/* A small set of strings (owned copies). */
struct strset {
    char **v;
    size_t n, cap;
};

static bool set_has(const struct strset *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return true;
    return false;
}

static void set_add(struct strset *s, const char *x)
{
    if (set_has(s, x))
        return;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->v = need(realloc(s->v, s->cap * sizeof *s->v));
    }
    s->v[s->n++] = dupstr(x, strlen(x));
}

static void set_free(struct strset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* "'a', 'b', 'c'" for messages */
static const char *set_text(const struct strset *s)
{
    static char buf[2048];
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n && o < sizeof buf - 1; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s'%s'", i ? ", " : "", s->v[i]);
    return buf;
}

/* The C identifier of a table, for messages. */
static const char *enum_id(const struct dc_enum *e)
{
    static const struct {
        const struct dc_enum *e;
        const char *id;
    } ids[] = {
        {&DC_ENUM_ACCOUNT_KIND, "DC_ENUM_ACCOUNT_KIND"},
        {&DC_ENUM_ROLE, "DC_ENUM_ROLE"},
        {&DC_ENUM_AUDIENCE, "DC_ENUM_AUDIENCE"},
        {&DC_ENUM_ORG_TYPE, "DC_ENUM_ORG_TYPE"},
        {&DC_ENUM_REGION_LEVEL, "DC_ENUM_REGION_LEVEL"},
        {&DC_ENUM_SUBMISSION_STATUS, "DC_ENUM_SUBMISSION_STATUS"},
        {&DC_ENUM_SUBMISSION_SOURCE, "DC_ENUM_SUBMISSION_SOURCE"},
        {&DC_ENUM_VIDEO_FORMAT, "DC_ENUM_VIDEO_FORMAT"},
        {&DC_ENUM_LIVESTREAM_STATUS, "DC_ENUM_LIVESTREAM_STATUS"},
        {&DC_ENUM_CONTENT_TYPE, "DC_ENUM_CONTENT_TYPE"},
        {&DC_ENUM_REVIEW_DECISION, "DC_ENUM_REVIEW_DECISION"},
        {&DC_ENUM_LIKE_ACTION, "DC_ENUM_LIKE_ACTION"},
        {&DC_ENUM_STATS_GROUP, "DC_ENUM_STATS_GROUP"},
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (ids[i].e == e)
            return ids[i].id;
    return "DC_ENUM_?";
}

/* Reports, both ways, how the values listed at `where` differ from e's
 * keys. */
static void compare(const char *where, const struct strset *listed, const struct dc_enum *e)
{
    for (size_t i = 0; i < listed->n; i++)
        if (!dc_enum_has(e, listed->v[i]))
            differ("%s lists '%s', which is not a value of %s (%s)", where, listed->v[i],
                   enum_id(e), e->name);
    for (size_t i = 0; i < e->n; i++)
        if (!set_has(listed, e->values[i].key))
            differ("%s lacks '%s', a value of %s (%s)", where, e->values[i].key, enum_id(e),
                   e->name);
}

/* Whether some value of s is a key of some table (which one in *which). */
static bool shares_values(const struct strset *s, const struct dc_enum **which)
{
    size_t n;
    const struct dc_enum *const *all = dc_enums_all(&n);
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < s->n; i++)
            if (dc_enum_has(all[k], s->v[i])) {
                *which = all[k];
                return true;
            }
    return false;
}

/* ------------------------------------------------------------------ */
/* SQL: a lexer good enough for the migrations                          */

enum tok_kind { T_WORD, T_STRING, T_PUNCT };

struct tok {
    enum tok_kind kind;
    char *text; /* words lower-cased; strings unquoted */
    int line;
};

struct toks {
    struct tok *v;
    size_t n, cap;
};

static void tok_push(struct toks *t, enum tok_kind kind, char *text, int line)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 256;
        t->v = need(realloc(t->v, t->cap * sizeof *t->v));
    }
    t->v[t->n++] = (struct tok){kind, text, line};
}

static void toks_free(struct toks *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].text);
    free(t->v);
    memset(t, 0, sizeof *t);
}

/* Words (identifiers, keywords, numbers; "quoted" identifiers too),
 * 'strings' and single punctuation characters. Comments are dropped, and so
 * are the $tag$ quotes of function bodies (their SQL is lexed as SQL). "::"
 * is one token. */
static void sql_lex(const char *s, struct toks *out)
{
    int line = 1;
    while (*s) {
        if (*s == '\n') {
            line++;
            s++;
        } else if (isspace((unsigned char)*s)) {
            s++;
        } else if (s[0] == '-' && s[1] == '-') {
            while (*s && *s != '\n')
                s++;
        } else if (s[0] == '/' && s[1] == '*') {
            s += 2;
            while (*s && !(s[0] == '*' && s[1] == '/'))
                line += *s++ == '\n';
            if (*s)
                s += 2;
        } else if (*s == '\'') {
            /* 'it''s' -> it's */
            int start = line;
            char *buf = need(malloc(strlen(s) + 1));
            size_t o = 0;
            s++;
            while (*s) {
                if (*s == '\'' && s[1] == '\'') {
                    buf[o++] = '\'';
                    s += 2;
                } else if (*s == '\'') {
                    s++;
                    break;
                } else {
                    line += *s == '\n';
                    buf[o++] = *s++;
                }
            }
            buf[o] = '\0';
            tok_push(out, T_STRING, buf, start);
        } else if (*s == '$' && (s[1] == '$' || isalpha((unsigned char)s[1]))) {
            const char *e = s + 1;
            while (isalnum((unsigned char)*e) || *e == '_')
                e++;
            if (*e == '$')
                s = e + 1; /* a dollar quote: drop it, lex the body */
            else
                tok_push(out, T_PUNCT, dupstr(s++, 1), line);
        } else if (*s == '"') {
            const char *e = strchr(s + 1, '"');
            size_t n = e ? (size_t)(e - s - 1) : strlen(s + 1);
            tok_push(out, T_WORD, dupstr(s + 1, n), line);
            s += n + 1 + (e != NULL);
        } else if (isalnum((unsigned char)*s) || *s == '_') {
            const char *e = s;
            while (isalnum((unsigned char)*e) || *e == '_')
                e++;
            char *w = dupstr(s, (size_t)(e - s));
            for (char *p = w; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            tok_push(out, T_WORD, w, line);
            s = e;
        } else if (s[0] == ':' && s[1] == ':') {
            tok_push(out, T_PUNCT, dupstr(s, 2), line);
            s += 2;
        } else {
            tok_push(out, T_PUNCT, dupstr(s++, 1), line);
        }
    }
}

static bool is_word(const struct toks *t, size_t i, const char *w)
{
    return i < t->n && t->v[i].kind == T_WORD && strcmp(t->v[i].text, w) == 0;
}

static bool is_punct(const struct toks *t, size_t i, const char *p)
{
    return i < t->n && t->v[i].kind == T_PUNCT && strcmp(t->v[i].text, p) == 0;
}

/* Skips a cast (::text, ::character varying, ::text[]) at i. */
static size_t skip_cast(const struct toks *t, size_t i)
{
    while (is_punct(t, i, "::")) {
        i++;
        while (i < t->n && t->v[i].kind == T_WORD)
            i++;
        while (is_punct(t, i, "[") && is_punct(t, i + 1, "]"))
            i += 2;
    }
    return i;
}

/* A list of string literals at i: "( 'a', 'b' )" or "ARRAY [ 'a', 'b' ]"
 * (each maybe cast, the whole maybe parenthesised and cast). Returns the
 * index after it, or 0 when there is none. */
static size_t literal_list(const struct toks *t, size_t i, struct strset *out)
{
    size_t parens = 0;
    while (is_punct(t, i, "(")) {
        i++;
        parens++;
    }
    const char *close = ")";
    if (is_word(t, i, "array") && is_punct(t, i + 1, "[")) {
        i += 2;
        close = "]";
    } else if (parens == 0) {
        return 0;
    } else {
        parens--; /* the list's own parenthesis */
    }
    size_t n = 0;
    for (;;) {
        if (i >= t->n || t->v[i].kind != T_STRING)
            return 0;
        set_add(out, t->v[i].text);
        n++;
        i = skip_cast(t, i + 1);
        if (is_punct(t, i, ",")) {
            i++;
            continue;
        }
        if (!is_punct(t, i, close))
            return 0;
        i = skip_cast(t, i + 1);
        break;
    }
    for (; parens > 0; parens--) {
        if (!is_punct(t, i, ")"))
            return 0;
        i = skip_cast(t, i + 1);
    }
    return n > 0 ? i : 0;
}

/* A list of values named by "col IN (...)" or "col = ANY (...)" at i (i is
 * the column); *qual gets the qualifier of table.col ("" when none). */
static size_t column_list(const struct toks *t, size_t i, char *col, size_t cap, char *qual,
                          size_t qcap, struct strset *out)
{
    /* the column of a qualified name is read at its qualifier */
    if (i >= t->n || t->v[i].kind != T_WORD || (i > 0 && is_punct(t, i - 1, ".")))
        return 0;
    qual[0] = '\0';
    size_t c = i;
    if (is_punct(t, i + 1, ".") && i + 2 < t->n && t->v[i + 2].kind == T_WORD) {
        snprintf(qual, qcap, "%s", t->v[i].text);
        c = i + 2;
    }
    size_t k = skip_cast(t, c + 1);
    if (is_word(t, k, "in"))
        k++;
    else if (is_punct(t, k, "=") && is_word(t, k + 1, "any"))
        k += 2;
    else
        return 0;
    size_t end = literal_list(t, k, out);
    if (end)
        snprintf(col, cap, "%s", t->v[c].text);
    return end;
}

/* One CHECK list: a table's column and the values it allows. */
struct sql_site {
    char table[64], column[64], constraint[160];
    char where[320]; /* "migrations/0001_accounts.sql:37" */
    struct strset values;
    bool dropped;
};

struct sql_sites {
    struct sql_site *v;
    size_t n, cap;
};

static void sql_sites_free(struct sql_sites *s)
{
    for (size_t i = 0; i < s->n; i++)
        set_free(&s->v[i].values);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* The live CHECK list of table.column (the newest one), or NULL. */
static struct sql_site *sql_find(struct sql_sites *s, const char *table, const char *column)
{
    for (size_t i = s->n; i-- > 0;)
        if (!s->v[i].dropped && strcmp(s->v[i].table, table) == 0 &&
            strcmp(s->v[i].column, column) == 0)
            return &s->v[i];
    return NULL;
}

/* A filter on a table-qualified column outside a CHECK, kept to be
 * checked against the column's enum. */
struct sql_filter {
    char table[64], column[64], where[320];
    struct strset values;
};

struct sql_filters {
    struct sql_filter *v;
    size_t n, cap;
};

static void sql_filters_free(struct sql_filters *f)
{
    for (size_t i = 0; i < f->n; i++)
        set_free(&f->v[i].values);
    free(f->v);
    memset(f, 0, sizeof *f);
}

/* The table a statement starting at i creates or alters, or "". */
static void statement_table(const struct toks *t, size_t i, char *table, size_t cap)
{
    table[0] = '\0';
    size_t k;
    if ((is_word(t, i, "create") || is_word(t, i, "alter")) && is_word(t, i + 1, "table"))
        k = i + 2;
    else if (is_word(t, i, "create") && is_word(t, i + 2, "table")) /* temp, unlogged */
        k = i + 3;
    else
        return;
    if (is_word(t, k, "if") && is_word(t, k + 1, "not") && is_word(t, k + 2, "exists"))
        k += 3;
    if (is_word(t, k, "if") && is_word(t, k + 1, "exists"))
        k += 2;
    if (is_word(t, k, "only"))
        k++;
    if (is_punct(t, k + 1, ".")) /* schema.table */
        k += 2;
    if (k < t->n && t->v[k].kind == T_WORD)
        snprintf(table, cap, "%s", t->v[k].text);
}

/* Reads one migration into sites (CHECK lists) and filters. */
static void sql_read(const char *file, struct sql_sites *sites, struct sql_filters *filters)
{
    char rel[300];
    snprintf(rel, sizeof rel, "migrations/%s", file);
    char *text = read_file(rel);
    struct toks t = {0};
    sql_lex(text, &t);
    free(text);

    char table[64] = "";
    size_t stmt = 0;      /* index of the statement's first token */
    size_t check_end = 0; /* tokens before this are inside a CHECK (...) */
    char constraint[160] = "";
    for (size_t i = 0; i < t.n; i++) {
        if (i == stmt)
            statement_table(&t, i, table, sizeof table);
        if (is_punct(&t, i, ";")) {
            stmt = i + 1;
            table[0] = '\0';
            continue;
        }
        /* ALTER TABLE t DROP CONSTRAINT [IF EXISTS] name / DROP COLUMN c */
        if (table[0] && is_word(&t, i, "drop") &&
            (is_word(&t, i + 1, "constraint") || is_word(&t, i + 1, "column"))) {
            bool column = is_word(&t, i + 1, "column");
            size_t k = i + 2;
            if (is_word(&t, k, "if") && is_word(&t, k + 1, "exists"))
                k += 2;
            for (size_t s = 0; k < t.n && s < sites->n; s++)
                if (strcmp(sites->v[s].table, table) == 0 &&
                    strcmp(column ? sites->v[s].column : sites->v[s].constraint, t.v[k].text) == 0)
                    sites->v[s].dropped = true;
            continue;
        }
        if (is_word(&t, i, "check") && is_punct(&t, i + 1, "(")) {
            /* CONSTRAINT name CHECK (...), or unnamed */
            constraint[0] = '\0';
            if (i >= 2 && is_word(&t, i - 2, "constraint") && t.v[i - 1].kind == T_WORD)
                snprintf(constraint, sizeof constraint, "%s", t.v[i - 1].text);
            /* the extent of the CHECK's parentheses */
            int depth = 0;
            size_t k = i + 1;
            for (; k < t.n; k++) {
                depth += is_punct(&t, k, "(") - is_punct(&t, k, ")");
                if (depth == 0)
                    break;
            }
            check_end = k;
            continue;
        }
        char col[64], qual[64];
        struct strset vals = {0};
        if (!column_list(&t, i, col, sizeof col, qual, sizeof qual, &vals)) {
            set_free(&vals);
            continue;
        }
        char where[320];
        snprintf(where, sizeof where, "migrations/%s:%d", file, t.v[i].line);
        if (i < check_end) {
            if (sites->n == sites->cap) {
                sites->cap = sites->cap ? 2 * sites->cap : 16;
                sites->v = need(realloc(sites->v, sites->cap * sizeof *sites->v));
            }
            struct sql_site *s = &sites->v[sites->n++];
            memset(s, 0, sizeof *s);
            snprintf(s->table, sizeof s->table, "%s", table[0] ? table : "?");
            snprintf(s->column, sizeof s->column, "%s", col);
            /* PostgreSQL's name for an unnamed column CHECK: table_column_check */
            if (constraint[0])
                snprintf(s->constraint, sizeof s->constraint, "%s", constraint);
            else
                snprintf(s->constraint, sizeof s->constraint, "%s_%s_check", s->table, col);
            snprintf(s->where, sizeof s->where, "%s", where);
            s->values = vals;
        } else if (qual[0]) {
            if (filters->n == filters->cap) {
                filters->cap = filters->cap ? 2 * filters->cap : 16;
                filters->v = need(realloc(filters->v, filters->cap * sizeof *filters->v));
            }
            struct sql_filter *f = &filters->v[filters->n++];
            snprintf(f->table, sizeof f->table, "%s", qual);
            snprintf(f->column, sizeof f->column, "%s", col);
            snprintf(f->where, sizeof f->where, "%s", where);
            f->values = vals;
        } else {
            set_free(&vals);
        }
    }
    toks_free(&t);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every migration, in file name order (the order they are applied in). */
static void sql_read_all(struct sql_sites *sites, struct sql_filters *filters)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/migrations", source_dir());
    DIR *d = opendir(path);
    ck_assert_msg(d != NULL, "cannot open %s", path);
    char *names[256] = {NULL};
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len > 4 && strcmp(de->d_name + len - 4, ".sql") == 0 && n < 256)
            names[n++] = dupstr(de->d_name, len);
    }
    closedir(d);
    ck_assert_msg(n > 0, "no migrations in %s", path);
    qsort(names, n, sizeof names[0], cmp_str);
    for (size_t i = 0; i < n; i++) {
        sql_read(names[i], sites, filters);
        free(names[i]);
    }
}

/* The CHECK constraints that carry an enumeration. */
static const struct {
    const char *table, *column;
    const struct dc_enum *e;
} SQL_SITES[] = {
    {"accounts", "kind", &DC_ENUM_ACCOUNT_KIND},
    {"accounts", "role", &DC_ENUM_ROLE},
    {"accounts", "audience", &DC_ENUM_AUDIENCE},
    {"organizations", "type", &DC_ENUM_ORG_TYPE},
    {"regions", "level", &DC_ENUM_REGION_LEVEL},
    {"submissions", "format", &DC_ENUM_VIDEO_FORMAT},
    {"submissions", "status", &DC_ENUM_SUBMISSION_STATUS},
    {"submissions", "source", &DC_ENUM_SUBMISSION_SOURCE},
    {"livestreams", "status", &DC_ENUM_LIVESTREAM_STATUS},
    {"progress", "content_type", &DC_ENUM_CONTENT_TYPE},
};
#define N_SQL_SITES (sizeof SQL_SITES / sizeof SQL_SITES[0])

/* CHECK lists that share a value or a column name with the enumerations
 * but are something else ("table.column"). */
static const char *const SQL_UNRELATED[] = {NULL};

static bool sql_unrelated(const struct sql_site *s)
{
    char name[160];
    snprintf(name, sizeof name, "%s.%s", s->table, s->column);
    for (size_t i = 0; SQL_UNRELATED[i]; i++)
        if (strcmp(SQL_UNRELATED[i], name) == 0)
            return true;
    return false;
}

START_TEST(sql_checks_match)
{
    report_reset();
    struct sql_sites sites = {0};
    struct sql_filters filters = {0};
    sql_read_all(&sites, &filters);

    for (size_t k = 0; k < N_SQL_SITES; k++) {
        struct sql_site *s = sql_find(&sites, SQL_SITES[k].table, SQL_SITES[k].column);
        if (!s) {
            differ("migrations/: no CHECK (%s IN (...)) on table %s (%s)", SQL_SITES[k].column,
                   SQL_SITES[k].table, enum_id(SQL_SITES[k].e));
            continue;
        }
        char where[512];
        snprintf(where, sizeof where, "%s (CHECK on %s.%s)", s->where, s->table, s->column);
        compare(where, &s->values, SQL_SITES[k].e);
    }

    /* every other CHECK list that looks like one of ours must be classified */
    for (size_t i = 0; i < sites.n; i++) {
        const struct sql_site *s = &sites.v[i];
        bool known = false, same_column = false;
        for (size_t k = 0; k < N_SQL_SITES; k++) {
            known |= strcmp(s->table, SQL_SITES[k].table) == 0 &&
                     strcmp(s->column, SQL_SITES[k].column) == 0;
            same_column |= strcmp(s->column, SQL_SITES[k].column) == 0;
        }
        const struct dc_enum *e = NULL;
        if (!known && (same_column || shares_values(&s->values, &e)) && !sql_unrelated(s))
            differ("%s: CHECK on %s.%s lists %s%s%s: add it to SQL_SITES (or SQL_UNRELATED) in "
                   "tests/unit/test_enums.c",
                   s->where, s->table, s->column, set_text(&s->values), e ? ", values of " : "",
                   e ? enum_id(e) : "");
    }

    /* filters on a known enum column name only its values */
    for (size_t i = 0; i < filters.n; i++) {
        const struct sql_filter *f = &filters.v[i];
        for (size_t k = 0; k < N_SQL_SITES; k++)
            if (strcmp(f->table, SQL_SITES[k].table) == 0 &&
                strcmp(f->column, SQL_SITES[k].column) == 0)
                for (size_t v = 0; v < f->values.n; v++)
                    if (!dc_enum_has(SQL_SITES[k].e, f->values.v[v]))
                        differ("%s: %s.%s is compared with '%s', which is not a value of %s",
                               f->where, f->table, f->column, f->values.v[v],
                               enum_id(SQL_SITES[k].e));
    }
    sql_sites_free(&sites);
    sql_filters_free(&filters);
    report_check();
}
END_TEST

/* The reader itself: multi-line, pg_dump style, redefinition and DROP. */
START_TEST(sql_reader_understands_forms)
{
    struct toks t = {0};
    sql_lex("CREATE TABLE x (\n"
            "  a text CHECK (a IN ('p',\n 'q', -- comment\n 'r''s')),\n"
            "  b text, CONSTRAINT b_ok CHECK ((b = ANY (ARRAY['u'::text, 'v'::text])))\n"
            ");\n"
            "SELECT 1 FROM x WHERE x.a IN ('p');\n",
            &t);
    size_t found = 0;
    for (size_t i = 0; i < t.n; i++) {
        char col[64], qual[64];
        struct strset v = {0};
        if (column_list(&t, i, col, sizeof col, qual, sizeof qual, &v)) {
            found++;
            if (strcmp(col, "a") == 0 && !qual[0]) {
                ck_assert_uint_eq(v.n, 3);
                ck_assert(set_has(&v, "p") && set_has(&v, "q") && set_has(&v, "r's"));
            } else if (strcmp(col, "b") == 0) {
                ck_assert_uint_eq(v.n, 2);
                ck_assert(set_has(&v, "u") && set_has(&v, "v"));
            } else {
                ck_assert_str_eq(qual, "x");
                ck_assert_str_eq(col, "a");
                ck_assert_uint_eq(v.n, 1);
            }
        }
        set_free(&v);
    }
    ck_assert_uint_eq(found, 3);
    toks_free(&t);
}
END_TEST

/* ------------------------------------------------------------------ */
/* YAML: a reader for the block style api/openapi.yaml is written in     */

struct ynode {
    char *key;   /* NULL for a sequence item */
    char *value; /* a scalar, or NULL */
    int line, indent;
    struct ynode *parent;
    struct ynode **kids;
    size_t nkids, cap;
    bool marked; /* an enum list reached from a classified site */
};

static struct ynode *ynew(struct ynode *parent, const char *key, int line, int indent)
{
    struct ynode *n = need(calloc(1, sizeof *n));
    n->key = key ? dupstr(key, strlen(key)) : NULL;
    n->line = line;
    n->indent = indent;
    n->parent = parent;
    if (parent) {
        if (parent->nkids == parent->cap) {
            parent->cap = parent->cap ? 2 * parent->cap : 4;
            /* an array of pointers */
            parent->kids =
                need(realloc(parent->kids, parent->cap * sizeof(struct ynode *))); // NOLINT
        }
        parent->kids[parent->nkids++] = n;
    }
    return n;
}

static void yfree(struct ynode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        yfree(n->kids[i]);
    free(n->kids);
    free(n->key);
    free(n->value);
    free(n);
}

static struct ynode *ykid(const struct ynode *n, const char *key)
{
    for (size_t i = 0; n && i < n->nkids; i++)
        if (n->kids[i]->key && strcmp(n->kids[i]->key, key) == 0)
            return n->kids[i];
    return NULL;
}

/* A scalar without its quotes ('it''s' -> it's) and trailing comment. */
static char *yscalar(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= 2 && s[0] == '\'' && s[n - 1] == '\'') {
        char *out = need(malloc(n));
        size_t o = 0;
        for (size_t i = 1; i + 1 < n; i++) {
            out[o++] = s[i];
            if (s[i] == '\'' && s[i + 1] == '\'')
                i++;
        }
        out[o] = '\0';
        return out;
    }
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
        return dupstr(s + 1, n - 2);
    const char *hash = strstr(s, " #");
    if (hash && (size_t)(hash - s) < n)
        n = (size_t)(hash - s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return dupstr(s, n);
}

/* Where the key of "key: value" / "key:" ends (the colon), or NULL. */
static const char *ykey_end(const char *s)
{
    if (*s == '\'' || *s == '"') {
        const char *q = strchr(s + 1, *s);
        return q && q[1] == ':' && (q[2] == ' ' || q[2] == '\0') ? q + 1 : NULL;
    }
    for (const char *p = s; *p; p++)
        if (*p == ':' && (p[1] == ' ' || p[1] == '\0'))
            return p;
    return NULL;
}

struct yparse {
    struct ynode *stack[64];
    int depth;
    int skip_deeper; /* skip lines indented more than this (-1: none) */
    const char *err;
    int err_line;
};

/* "[a, 'b', c]" on one line into sequence items of n. */
static void yflow(struct yparse *p, struct ynode *n, const char *v, int line)
{
    const char *end = strrchr(v, ']');
    if (!end) {
        p->err = "a flow sequence spanning lines";
        p->err_line = line;
        return;
    }
    const char *s = v + 1;
    while (s < end) {
        while (s < end && isspace((unsigned char)*s))
            s++;
        const char *e = s;
        char q = (*s == '\'' || *s == '"') ? *s : 0;
        if (q)
            e = strchr(s + 1, q) ? strchr(s + 1, q) + 1 : end;
        while (e < end && *e != ',')
            e++;
        if (e > s) {
            char *item = dupstr(s, (size_t)(e - s));
            struct ynode *k = ynew(n, NULL, line, n->indent + 2);
            k->value = yscalar(item);
            free(item);
        }
        s = e + 1;
    }
}

/* "key: value" at indent under parent. */
static void yentry(struct yparse *p, struct ynode *parent, const char *text, int indent, int line)
{
    const char *colon = ykey_end(text);
    if (!colon) {
        p->err = "a line that is neither `key:` nor `- item`";
        p->err_line = line;
        return;
    }
    char *key = dupstr(text, (size_t)(colon - text));
    char *k = yscalar(key);
    free(key);
    struct ynode *n = ynew(parent, k, line, indent);
    free(k);
    p->stack[++p->depth] = n;
    const char *v = colon + 1;
    while (*v == ' ')
        v++;
    if (!*v || *v == '#')
        return; /* the value follows, indented */
    if (*v == '|' || *v == '>') {
        p->skip_deeper = indent; /* a block scalar */
    } else if (*v == '[') {
        yflow(p, n, v, line);
    } else {
        n->value = yscalar(v);
        p->skip_deeper = indent; /* a plain or quoted scalar may go on */
    }
}

static struct ynode *yparse_file(const char *rel, const char **err, int *err_line)
{
    char *text = read_file(rel);
    struct yparse p = {.depth = 0, .skip_deeper = -1};
    struct ynode *root = ynew(NULL, NULL, 0, -1);
    p.stack[0] = root;
    int line = 0, prev_empty_key_indent = -1;
    for (char *s = text; *s && !p.err;) {
        char *eol = strchr(s, '\n');
        size_t len = eol ? (size_t)(eol - s) : strlen(s);
        char *ln = dupstr(s, len);
        s += len + (eol != NULL);
        line++;
        if (len && ln[len - 1] == '\r')
            ln[--len] = '\0';
        int indent = 0;
        while (ln[indent] == ' ')
            indent++;
        const char *c = ln + indent;
        if (!*c || *c == '#' || (p.skip_deeper >= 0 && indent > p.skip_deeper)) {
            free(ln);
            continue;
        }
        p.skip_deeper = -1;
        if (ln[indent] == '\t') {
            p.err = "a tab in the indentation";
            p.err_line = line;
        }
        while (p.depth > 0 && p.stack[p.depth]->indent >= indent)
            p.depth--;
        if (p.depth >= 60) {
            p.err = "nesting too deep";
            p.err_line = line;
        }
        struct ynode *parent = p.stack[p.depth];
        bool dash = c[0] == '-' && (c[1] == ' ' || c[1] == '\0');
        if (p.err) {
            /* reported below */
        } else if (dash && prev_empty_key_indent == indent) {
            p.err = "a sequence at its key's indentation (the reader expects indented ones)";
            p.err_line = line;
        } else if (dash) {
            struct ynode *item = ynew(parent, NULL, line, indent);
            p.stack[++p.depth] = item;
            const char *rest = c[1] ? c + 2 : c + 1;
            while (*rest == ' ')
                rest++;
            if (*rest && ykey_end(rest) && *rest != '{' && *rest != '[')
                yentry(&p, item, rest, (int)(rest - ln), line);
            else if (*rest) {
                item->value = yscalar(rest);
                p.skip_deeper = indent;
            }
        } else {
            yentry(&p, parent, c, indent, line);
        }
        struct ynode *top = p.stack[p.depth];
        prev_empty_key_indent = top->key && !top->value && top->nkids == 0 ? top->indent : -1;
        free(ln);
    }
    free(text);
    *err = p.err;
    *err_line = p.err_line;
    return root;
}

/* The node a local $ref ('#/components/schemas/X') points to, or NULL. */
static struct ynode *yref(struct ynode *root, const char *ref)
{
    if (!ref || strncmp(ref, "#/", 2) != 0)
        return NULL;
    struct ynode *n = root;
    const char *s = ref + 2;
    while (n && *s) {
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        char part[256];
        size_t o = 0;
        for (size_t i = 0; i < len && o < sizeof part - 1; i++) {
            if (s[i] == '~' && i + 1 < len && (s[i + 1] == '0' || s[i + 1] == '1'))
                part[o++] = s[++i] == '1' ? '/' : '~';
            else
                part[o++] = s[i];
        }
        part[o] = '\0';
        n = ykid(n, part);
        s += len + (e != NULL);
    }
    return n;
}

static struct ynode *yroot_of(struct ynode *n)
{
    while (n->parent)
        n = n->parent;
    return n;
}

/* A schema that only says `type: 'null'`. */
static bool null_only(const struct ynode *n)
{
    const struct ynode *t = ykid(n, "type");
    return n->nkids == 1 && t && t->value && strcmp(t->value, "null") == 0;
}

/* The closed set of values schema n allows, into out: false when it allows
 * any string (no enum or const on the way). Marks the enum lists used. */
static bool schema_values(struct ynode *n, struct strset *out, int depth)
{
    if (!n || depth > 32)
        return false;
    struct ynode *x;
    if ((x = ykid(n, "enum")) != NULL) {
        x->marked = true;
        for (size_t i = 0; i < x->nkids; i++)
            if (x->kids[i]->value)
                set_add(out, x->kids[i]->value);
        return true;
    }
    if ((x = ykid(n, "const")) != NULL && x->value) {
        set_add(out, x->value);
        return true;
    }
    if ((x = ykid(n, "$ref")) != NULL)
        return schema_values(yref(yroot_of(n), x->value), out, depth + 1);
    if ((x = ykid(n, "schema")) != NULL) /* a parameter */
        return schema_values(x, out, depth + 1);
    if ((x = ykid(n, "allOf")) != NULL) {
        bool any = false;
        for (size_t i = 0; i < x->nkids; i++) {
            struct strset one = {0};
            if (schema_values(x->kids[i], &one, depth + 1)) {
                if (!any) {
                    for (size_t k = 0; k < one.n; k++)
                        set_add(out, one.v[k]);
                } else {
                    /* intersection */
                    size_t w = 0;
                    for (size_t k = 0; k < out->n; k++) {
                        if (set_has(&one, out->v[k]))
                            out->v[w++] = out->v[k];
                        else
                            free(out->v[k]);
                    }
                    out->n = w;
                }
                any = true;
            }
            set_free(&one);
        }
        return any;
    }
    if ((x = ykid(n, "oneOf")) != NULL || (x = ykid(n, "anyOf")) != NULL) {
        bool any = false;
        for (size_t i = 0; i < x->nkids; i++) {
            if (null_only(x->kids[i]))
                continue;
            if (!schema_values(x->kids[i], out, depth + 1))
                return false;
            any = true;
        }
        return any;
    }
    return false;
}

/* Where a node sits, for classification: the component's name
 * (components/<kind>/<Name>) or the path ("/v1/submissions"). */
static const char *ycontext(const struct ynode *n)
{
    for (; n && n->parent; n = n->parent) {
        const struct ynode *p = n->parent, *g = p->parent;
        /* the root alone has no key */
        if (g && g->key && g->parent && !g->parent->parent && strcmp(g->key, "components") == 0)
            return n->key;
        if (p->key && p->parent && !p->parent->parent && strcmp(p->key, "paths") == 0)
            return n->key;
    }
    return "?";
}

/* The enumerations of the spec: where each is found. A NULL context
 * matches every occurrence of the name; a NULL enum is a classified
 * occurrence that is something else. */
static const struct spec_site {
    const char *name;    /* property or parameter name, or component schema */
    const char *context; /* component or path; "#schema": a named schema */
    const struct dc_enum *e;
} SPEC_SITES[] = {
    /* names that mean one thing wherever they occur */
    {"audience", NULL, &DC_ENUM_AUDIENCE},
    {"kind", NULL, &DC_ENUM_ACCOUNT_KIND},
    {"role", NULL, &DC_ENUM_ROLE},
    {"level", NULL, &DC_ENUM_REGION_LEVEL},
    {"format", NULL, &DC_ENUM_VIDEO_FORMAT},
    {"source", NULL, &DC_ENUM_SUBMISSION_SOURCE},
    {"content_type", NULL, &DC_ENUM_CONTENT_TYPE},
    {"decision", NULL, &DC_ENUM_REVIEW_DECISION},
    {"group_by", NULL, &DC_ENUM_STATS_GROUP},
    /* names that mean different things: every occurrence by place */
    {"type", "CreateOrganizationRequest", &DC_ENUM_ORG_TYPE},
    {"type", "Organization", &DC_ENUM_ORG_TYPE},
    {"type", "/v1/organizations", &DC_ENUM_ORG_TYPE},
    {"status", "Submission", &DC_ENUM_SUBMISSION_STATUS},
    {"status", "PartnerChange", &DC_ENUM_SUBMISSION_STATUS},
    {"status", "/v1/submissions", &DC_ENUM_SUBMISSION_STATUS},
    {"status", "/v1/admin/submissions", &DC_ENUM_SUBMISSION_STATUS},
    {"status", "Livestream", &DC_ENUM_LIVESTREAM_STATUS},
    {"status", "/v1/livestreams", &DC_ENUM_LIVESTREAM_STATUS},
    {"status", "BatchResult", NULL}, /* an HTTP status */
    {"status", "HealthStatus", NULL},
    {"status", "ReadyStatus", NULL},
    {"action", "PartnerLikeItem", &DC_ENUM_LIKE_ACTION},
    {"action", "AuditEntry", NULL}, /* AuditAction */
    /* named schemas that are an enum */
    {"AccountKind", "#schema", &DC_ENUM_ACCOUNT_KIND},
    {"Role", "#schema", &DC_ENUM_ROLE},
    {"Audience", "#schema", &DC_ENUM_AUDIENCE},
    {"OrganizationType", "#schema", &DC_ENUM_ORG_TYPE},
    {"SubmissionStatus", "#schema", &DC_ENUM_SUBMISSION_STATUS},
    {"SubmissionSource", "#schema", &DC_ENUM_SUBMISSION_SOURCE},
    {"VideoFormat", "#schema", &DC_ENUM_VIDEO_FORMAT},
    {"LivestreamStatus", "#schema", &DC_ENUM_LIVESTREAM_STATUS},
    {"ContentType", "#schema", &DC_ENUM_CONTENT_TYPE},
    {"CampaignPhase", "#schema", NULL}, /* shares `live` with livestreams */
    {"CategoryCode", "#schema", NULL},
    {"AuditAction", "#schema", NULL},
};
#define N_SPEC_SITES (sizeof SPEC_SITES / sizeof SPEC_SITES[0])

/* The entry for name at context; NULL when the name is not ours at all,
 * &UNCLASSIFIED when it is ambiguous and this place is not listed. */
static const struct spec_site UNCLASSIFIED = {NULL, NULL, NULL};

static const struct spec_site *spec_site(const char *name, const char *context)
{
    bool ambiguous = false;
    for (size_t i = 0; i < N_SPEC_SITES; i++) {
        if (strcmp(SPEC_SITES[i].name, name) != 0 ||
            (SPEC_SITES[i].context && strcmp(SPEC_SITES[i].context, "#schema") == 0))
            continue;
        if (!SPEC_SITES[i].context || strcmp(SPEC_SITES[i].context, context) == 0)
            return &SPEC_SITES[i];
        ambiguous = true;
    }
    return ambiguous ? &UNCLASSIFIED : NULL;
}

struct spec_check {
    size_t sites[sizeof SPEC_SITES / sizeof SPEC_SITES[0]]; /* occurrences per entry */
    size_t per_enum[16];
};

/* Checks one occurrence (a property, a parameter or a named schema). */
static void spec_check_node(struct ynode *n, const struct spec_site *site, const char *what,
                            const char *context, struct spec_check *sc)
{
    char where[512];
    snprintf(where, sizeof where, "api/openapi.yaml:%d (%s `%s` of %s)", n->line, what,
             site == &UNCLASSIFIED ? n->key : site->name, context);
    if (site == &UNCLASSIFIED) {
        differ("%s: not classified: add it to SPEC_SITES in tests/unit/test_enums.c", where);
        return;
    }
    sc->sites[site - SPEC_SITES]++;
    struct strset vals = {0};
    bool closed = schema_values(n, &vals, 0);
    if (site->e) {
        size_t nall;
        const struct dc_enum *const *all = dc_enums_all(&nall);
        for (size_t k = 0; k < nall && k < 16; k++)
            sc->per_enum[k] += all[k] == site->e;
        if (!closed)
            differ("%s: no enum, while the server accepts only %s", where, enum_id(site->e));
        else
            compare(where, &vals, site->e);
        struct ynode *def = ykid(n, "default");
        if (!def && ykid(n, "schema"))
            def = ykid(ykid(n, "schema"), "default");
        if (def && def->value && !dc_enum_has(site->e, def->value))
            differ("%s: default '%s' is not a value of %s", where, def->value, enum_id(site->e));
    }
    set_free(&vals);
}

/* Whether schema s is a condition rather than a definition: the if, then,
 * else or not of a schema, or a dependent schema. */
static bool is_condition(const struct ynode *s)
{
    static const char *const keys[] = {"if", "then", "else", "not", NULL};
    if (!s)
        return false;
    for (size_t i = 0; s->key && keys[i]; i++)
        if (strcmp(s->key, keys[i]) == 0)
            return true;
    const struct ynode *p = s->parent;
    return p && p->key && strcmp(p->key, "dependentSchemas") == 0;
}

/* A branch of an anyOf or oneOf that picks values by const (a condition,
 * as in ReviewRequest) rather than defining the property. */
static bool is_const_branch(const struct ynode *s, const struct ynode *prop)
{
    const struct ynode *p = s ? s->parent : NULL;
    return s && !s->key && p && p->key &&
           (strcmp(p->key, "anyOf") == 0 || strcmp(p->key, "oneOf") == 0) && ykid(prop, "const");
}

/* A property inside a condition may name some of the values only, but
 * each must be one. */
static void spec_check_condition(struct ynode *n, const struct spec_site *site, const char *context)
{
    struct strset vals = {0};
    if (site != &UNCLASSIFIED && site->e && schema_values(n, &vals, 0))
        for (size_t i = 0; i < vals.n; i++)
            if (!dc_enum_has(site->e, vals.v[i]))
                differ("api/openapi.yaml:%d (condition on `%s` of %s): '%s' is not a value of %s",
                       n->line, n->key, context, vals.v[i], enum_id(site->e));
    set_free(&vals);
}

/* Walks the document: properties, parameters, named schemas. */
static void spec_walk(struct ynode *n, struct spec_check *sc)
{
    const struct ynode *p = n->parent;
    if (n->key && p && p->key && strcmp(p->key, "properties") == 0) {
        const struct spec_site *site = spec_site(n->key, ycontext(n));
        if (site && (is_condition(p->parent) || is_const_branch(p->parent, n)))
            spec_check_condition(n, site, ycontext(n));
        else if (site)
            spec_check_node(n, site, "property", ycontext(n), sc);
    }
    /* a parameter: an item of `parameters:`, or components/parameters/X */
    bool in_params = p && p->key && strcmp(p->key, "parameters") == 0;
    bool param =
        in_params &&
        (!n->key || (p->parent && p->parent->key && strcmp(p->parent->key, "components") == 0));
    if (param && ykid(n, "name") && ykid(n, "in")) {
        const char *name = ykid(n, "name")->value;
        const struct spec_site *site = name ? spec_site(name, ycontext(n)) : NULL;
        if (site)
            spec_check_node(n, site, "parameter", ycontext(n), sc);
    }
    /* a named schema: components/schemas/X */
    if (n->key && p && p->key && strcmp(p->key, "schemas") == 0 && p->parent && p->parent->key &&
        strcmp(p->parent->key, "components") == 0) {
        for (size_t i = 0; i < N_SPEC_SITES; i++)
            if (SPEC_SITES[i].context && strcmp(SPEC_SITES[i].context, "#schema") == 0 &&
                strcmp(SPEC_SITES[i].name, n->key) == 0)
                spec_check_node(n, &SPEC_SITES[i], "schema", n->key, sc);
    }
    for (size_t i = 0; i < n->nkids; i++)
        spec_walk(n->kids[i], sc);
}

/* Every enum list sharing a value with our tables was reached. */
static void spec_unreached(const struct ynode *n)
{
    if (n->key && strcmp(n->key, "enum") == 0 && !n->marked) {
        struct strset vals = {0};
        for (size_t i = 0; i < n->nkids; i++)
            if (n->kids[i]->value)
                set_add(&vals, n->kids[i]->value);
        const struct dc_enum *e = NULL;
        if (shares_values(&vals, &e))
            differ("api/openapi.yaml:%d: enum [%s] (in %s) shares values with %s but is at no "
                   "place SPEC_SITES lists: add its property or parameter there",
                   n->line, set_text(&vals), ycontext(n), enum_id(e));
        set_free(&vals);
    }
    for (size_t i = 0; i < n->nkids; i++)
        spec_unreached(n->kids[i]);
}

START_TEST(spec_enums_match)
{
    report_reset();
    const char *err;
    int err_line;
    struct ynode *root = yparse_file("api/openapi.yaml", &err, &err_line);
    ck_assert_msg(err == NULL, "api/openapi.yaml:%d: %s", err_line, err ? err : "");
    ck_assert_msg(yref(root, "#/components/schemas/Submission") != NULL,
                  "api/openapi.yaml: the reader found no components/schemas/Submission");

    struct spec_check sc;
    memset(&sc, 0, sizeof sc);
    spec_walk(root, &sc);
    spec_unreached(root);

    /* every place listed was found, and every enumeration is in the spec */
    for (size_t i = 0; i < N_SPEC_SITES; i++)
        if (sc.sites[i] == 0)
            differ("api/openapi.yaml: no %s `%s`%s%s, which SPEC_SITES lists",
                   SPEC_SITES[i].context && strcmp(SPEC_SITES[i].context, "#schema") == 0
                       ? "schema"
                       : "property or parameter",
                   SPEC_SITES[i].name,
                   SPEC_SITES[i].context && strcmp(SPEC_SITES[i].context, "#schema") != 0 ? " in "
                                                                                          : "",
                   SPEC_SITES[i].context && strcmp(SPEC_SITES[i].context, "#schema") != 0
                       ? SPEC_SITES[i].context
                       : "");
    size_t nall;
    const struct dc_enum *const *all = dc_enums_all(&nall);
    for (size_t k = 0; k < nall && k < 16; k++)
        if (sc.per_enum[k] == 0)
            differ("api/openapi.yaml: %s (%s) is nowhere in the spec", enum_id(all[k]),
                   all[k]->name);
    yfree(root);
    report_check();
}
END_TEST

/* The reader itself on the constructs the spec uses. */
START_TEST(yaml_reader_understands_forms)
{
    static const char doc[] = "# comment\n"
                              "openapi: 3.1.0\n"
                              "info:\n"
                              "  description: |\n"
                              "    text with key: value inside\n"
                              "    - and a dash\n"
                              "  title: 'it''s: quoted'\n"
                              "paths:\n"
                              "  /v1/things:\n"
                              "    get:\n"
                              "      parameters:\n"
                              "        - name: status\n"
                              "          in: query\n"
                              "          schema:\n"
                              "            allOf:\n"
                              "              - $ref: '#/components/schemas/Color'\n"
                              "            default: red\n"
                              "        - $ref: '#/components/parameters/P'\n"
                              "components:\n"
                              "  schemas:\n"
                              "    Color:\n"
                              "      type: string\n"
                              "      description: a plain scalar\n"
                              "        going on: over two lines\n"
                              "      enum:\n"
                              "        - red\n"
                              "        - 'green'\n"
                              "    Pair:\n"
                              "      oneOf:\n"
                              "        - $ref: '#/components/schemas/Color'\n"
                              "        - type: 'null'\n"
                              "    Flow:\n"
                              "      enum: [a, 'b', c]\n";
    char path[] = "/tmp/test_enums_yaml_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    fputs(doc, f);
    fclose(f);
    /* read_file is relative to the source dir: go through "/" */
    setenv("DRILLCAMP_SOURCE_DIR", "/", 1);
    const char *err;
    int line;
    struct ynode *root = yparse_file(path + 1, &err, &line);
    unsetenv("DRILLCAMP_SOURCE_DIR");
    unlink(path);
    ck_assert_msg(err == NULL, "line %d: %s", line, err ? err : "");

    ck_assert_str_eq(ykid(ykid(root, "info"), "title")->value, "it's: quoted");
    ck_assert_ptr_null(ykid(ykid(root, "info"), "- and a dash"));
    struct ynode *params = ykid(ykid(ykid(ykid(root, "paths"), "/v1/things"), "get"), "parameters");
    ck_assert_uint_eq(params->nkids, 2);
    ck_assert_str_eq(ykid(params->kids[0], "name")->value, "status");
    ck_assert_str_eq(ycontext(params->kids[0]), "/v1/things");
    struct strset v = {0};
    ck_assert(schema_values(params->kids[0], &v, 0));
    ck_assert_uint_eq(v.n, 2);
    ck_assert(set_has(&v, "red") && set_has(&v, "green"));
    set_free(&v);
    struct ynode *color = yref(root, "#/components/schemas/Color");
    ck_assert_uint_eq(color->nkids, 3); /* the continuation is no key */
    ck_assert_str_eq(ycontext(ykid(color, "enum")), "Color");
    ck_assert(schema_values(yref(root, "#/components/schemas/Pair"), &v, 0));
    ck_assert_uint_eq(v.n, 2);
    set_free(&v);
    ck_assert(schema_values(yref(root, "#/components/schemas/Flow"), &v, 0));
    ck_assert_uint_eq(v.n, 3);
    ck_assert(set_has(&v, "b"));
    set_free(&v);
    yfree(root);
}
END_TEST

/* ------------------------------------------------------------------ */
/* the tables themselves                                                */

static bool snake_case(const char *k)
{
    if (!islower((unsigned char)k[0]))
        return false;
    for (const char *p = k; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
        if (!ok || (*p == '_' && (p[1] == '_' || p[1] == '\0')))
            return false;
    }
    return true;
}

/* key occurs in text as a word (not inside a longer snake_case word) */
static bool mentions(const char *text, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = strstr(text, key); p; p = strstr(p + 1, key)) {
        bool left = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        bool right = !(isalnum((unsigned char)p[n]) || p[n] == '_');
        if (left && right)
            return true;
    }
    return false;
}

/* The messages the server answered before the tables existed, kept as
 * they are: they name the set, not its values. */
static const struct {
    const struct dc_enum *e;
    const char *message;
} GENERIC_MESSAGES[] = {
    {&DC_ENUM_ORG_TYPE, "type is not an organization type"},
    {&DC_ENUM_SUBMISSION_STATUS, "status is not a submission status"},
};

START_TEST(tables_well_formed)
{
    report_reset();
    size_t n;
    const struct dc_enum *const *all = dc_enums_all(&n);
    ck_assert_ptr_nonnull(all);
    const struct dc_enum *expected[] = {
        &DC_ENUM_ACCOUNT_KIND,      &DC_ENUM_ROLE,
        &DC_ENUM_AUDIENCE,          &DC_ENUM_ORG_TYPE,
        &DC_ENUM_REGION_LEVEL,      &DC_ENUM_SUBMISSION_STATUS,
        &DC_ENUM_SUBMISSION_SOURCE, &DC_ENUM_VIDEO_FORMAT,
        &DC_ENUM_LIVESTREAM_STATUS, &DC_ENUM_CONTENT_TYPE,
        &DC_ENUM_REVIEW_DECISION,   &DC_ENUM_LIKE_ACTION,
        &DC_ENUM_STATS_GROUP,
    };
    size_t nexp = sizeof expected / sizeof expected[0];
    ck_assert_uint_eq(n, nexp);
    for (size_t i = 0; i < nexp; i++) {
        size_t seen = 0;
        for (size_t k = 0; k < n; k++)
            seen += all[k] == expected[i];
        if (seen != 1)
            differ("dc_enums_all lists %s %zu times", enum_id(expected[i]), seen);
    }

    for (size_t k = 0; k < n; k++) {
        const struct dc_enum *e = all[k];
        const char *id = enum_id(e);
        if (!e->name || !e->name[0] || !e->message || !e->message[0] || e->n == 0) {
            differ("%s: name, message and values must be set", id);
            continue;
        }
        bool labelled = e == &DC_ENUM_AUDIENCE || e == &DC_ENUM_ORG_TYPE;
        const char *generic = NULL;
        for (size_t g = 0; g < sizeof GENERIC_MESSAGES / sizeof GENERIC_MESSAGES[0]; g++)
            if (GENERIC_MESSAGES[g].e == e)
                generic = GENERIC_MESSAGES[g].message;
        if (generic && strcmp(e->message, generic) != 0)
            differ("%s: message \"%s\", expected the existing text \"%s\"", id, e->message,
                   generic);
        for (size_t i = 0; i < e->n; i++) {
            const struct dc_enum_value *v = &e->values[i];
            if (!v->key) {
                differ("%s: value %zu has no key", id, i);
                continue;
            }
            if (!snake_case(v->key))
                differ("%s: key '%s' is not snake_case ASCII", id, v->key);
            for (size_t j = 0; j < i; j++)
                if (e->values[j].key && strcmp(e->values[j].key, v->key) == 0)
                    differ("%s: key '%s' twice", id, v->key);
            if (labelled && (!v->label || !v->label[0]))
                differ("%s: '%s' has no label", id, v->key);
            if (labelled && v->label && (unsigned char)v->label[0] < 0x80)
                differ("%s: the label of '%s' is \"%s\", not Chinese", id, v->key, v->label);
            for (size_t j = 0; labelled && v->label && j < i; j++)
                if (e->values[j].label && strcmp(e->values[j].label, v->label) == 0)
                    differ("%s: label \"%s\" twice", id, v->label);
            if (!labelled && v->label)
                differ("%s: '%s' has a label (\"%s\"); only audiences and organization types "
                       "have",
                       id, v->key, v->label);
            if (!generic && !mentions(e->message, v->key))
                differ("%s: message \"%s\" does not name '%s'", id, e->message, v->key);
        }
    }
    report_check();
}
END_TEST

START_TEST(lookups)
{
    ck_assert(dc_enum_has(&DC_ENUM_ROLE, "admin"));
    ck_assert(!dc_enum_has(&DC_ENUM_ROLE, "Admin"));
    ck_assert(!dc_enum_has(&DC_ENUM_ROLE, "adm"));
    ck_assert(!dc_enum_has(&DC_ENUM_ROLE, "admin "));
    ck_assert(!dc_enum_has(&DC_ENUM_ROLE, ""));
    ck_assert(!dc_enum_has(&DC_ENUM_ROLE, NULL));
    ck_assert(!dc_enum_has(&DC_ENUM_ROLE, "pending"));
    size_t n;
    const struct dc_enum *const *all = dc_enums_all(&n);
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < all[k]->n; i++) {
            const char *key = all[k]->values[i].key;
            ck_assert_msg(dc_enum_index(all[k], key) == (int)i, "%s: index of '%s'",
                          enum_id(all[k]), key);
            ck_assert(dc_enum_has(all[k], key));
            ck_assert_ptr_eq(dc_enum_label(all[k], key), all[k]->values[i].label);
        }
    ck_assert_int_eq(dc_enum_index(&DC_ENUM_AUDIENCE, "nobody"), -1);
    ck_assert_int_eq(dc_enum_index(&DC_ENUM_AUDIENCE, NULL), -1);
    ck_assert_str_eq(dc_enum_label(&DC_ENUM_AUDIENCE, "student"), "学生");
    ck_assert_str_eq(dc_enum_label(&DC_ENUM_ORG_TYPE, "other"), "其他组织");
    ck_assert_ptr_null(dc_enum_label(&DC_ENUM_ORG_TYPE, "none"));
    ck_assert_ptr_null(dc_enum_label(&DC_ENUM_ROLE, "admin"));
    ck_assert_ptr_null(dc_enum_label(&DC_ENUM_AUDIENCE, NULL));
}
END_TEST

/* The route table's role bits (http.h) follow DC_ENUM_ROLE's order: the
 * bearer check maps a stored role to 1 << its index. */
START_TEST(role_bits_follow_roles)
{
    ck_assert_uint_eq(DC_ROLE_USER, 1u << dc_enum_index(&DC_ENUM_ROLE, "user"));
    ck_assert_uint_eq(DC_ROLE_MODERATOR, 1u << dc_enum_index(&DC_ENUM_ROLE, "moderator"));
    ck_assert_uint_eq(DC_ROLE_ADMIN, 1u << dc_enum_index(&DC_ENUM_ROLE, "admin"));
    ck_assert_uint_eq(DC_ROLES_ANY, (1u << DC_ENUM_ROLE.n) - 1);
    ck_assert_uint_eq(DC_ROLES_STAFF, DC_ROLE_MODERATOR | DC_ROLE_ADMIN);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("enums");
    TCase *tc = tcase_create("enums");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, tables_well_formed);
    tcase_add_test(tc, lookups);
    tcase_add_test(tc, role_bits_follow_roles);
    tcase_add_test(tc, sql_reader_understands_forms);
    tcase_add_test(tc, sql_checks_match);
    tcase_add_test(tc, yaml_reader_understands_forms);
    tcase_add_test(tc, spec_enums_match);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
