/*
 * alertmsg: one alert message - subject, plain text, webhook JSON and a
 * whole e-mail - made from one delivery (minutes.due_deliveries).
 *
 * Pure: memory in, memory out, no I/O and no clock (the e-mail's Date is
 * the caller's `now`), so it runs on any thread and is tested without a
 * mail server.  Everything taken from the delivery is text from published
 * documents, i.e. from outside: it is cleaned (control and bidi characters
 * dropped, invalid UTF-8 replaced) and capped before it is written, and the
 * e-mail's headers are built so that no input can add a header.
 *
 * A closed item ("public": false) shows its number or label and outcome
 * only, whatever else the delivery carries for it: the database already
 * leaves its title and texts out, and this module does not rely on that.
 * An item whose flag is null or missing is public (the document did not
 * say, as in minutes.event_facts); any other value is closed.
 */
#ifndef MINUTESD_ALERTMSG_H
#define MINUTESD_ALERTMSG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* The subject is at most this many bytes (cut at a character, then "…"). */
#define ALERTMSG_MAX_SUBJECT 200
/* Each text taken from the delivery (a title, a decision, an error) is cut
 * to this many bytes, then "…"; so is every string in the webhook's events. */
#define ALERTMSG_MAX_FIELD 4000
/* The body is at most this many bytes; events past it are counted in a
 * last line ("… og 12 punkter mere") instead of shown. */
#define ALERTMSG_MAX_TEXT (100 * 1024)

/* One rendered message; every string is new (alertmsg_clear). */
struct alertmsg {
    char *subject; /* one line, Danish, UTF-8, <= ALERTMSG_MAX_SUBJECT bytes, no CR/LF */
    char *text;    /* plain-text body, Danish, UTF-8, LF line ends, ends with LF */
    char *webhook; /* compact JSON object for a webhook POST:
                    * {"id": key, "text": subject "\n\n" text, "subject": subject,
                    *  "events": the delivery's events, closed items reduced to
                    *  id/number/label/public/outcome, strings capped} */
};

/*
 * Renders delivery (borrowed: {"key", "digest", "events": [...]}, the shape
 * minutes.due_deliveries returns; other members are ignored) into *out.
 * Events are shown in the order of their meeting's date, then item number,
 * grouped by meeting; events without a meeting (a source failing) come last.
 *
 * 0, or -1 with *out empty and err set (no key, no events, not an object).
 */
int alertmsg_render(const json_t *delivery, struct alertmsg *out, char *err, size_t errlen);

/*
 * The whole RFC 5322 message for SMTP, CRLF line ends: From, To, Subject
 * (RFC 2047 B encoded-words, folded to 78 columns), Date (now, in UTC),
 * Message-ID <key with unsafe bytes escaped@minutesd> (the same for one key,
 * so a resend is recognisably the same message), MIME-Version,
 * Content-Type text/plain; charset=utf-8, quoted-printable body (lines of
 * at most 76), Auto-Submitted: auto-generated.
 *
 * from is one address, to one or more separated by commas; each is
 * "local@domain" or "Name <local@domain>" in ASCII (a name may be UTF-8).
 * Returns a new string (free()), or NULL with err set when an address is
 * not plausible, holds a control character (CR, LF: header injection) or
 * when m or key is empty.  m and the strings are borrowed.
 */
char *alertmsg_email(const struct alertmsg *m, const char *key, const char *from, const char *to, time_t now, char *err,
                     size_t errlen);

/* Frees what m holds and empties it; NULL and an empty m are no-ops. */
void alertmsg_clear(struct alertmsg *m);

/* Whether addr is a bare address the mailer accepts (local@host, ASCII, no
 * quoting): the one check for the configuration's sender and for
 * subscribers, so nothing is stored that could never be sent. */
bool alertmsg_address(const char *addr);

#endif
