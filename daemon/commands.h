/*
 * commands: the database subcommands of minutesd (parse and version live
 * in main.c).  Each takes the arguments after its name and returns the
 * process exit status: 0 done, 1 some document failed, 2 usage or a
 * database that could not be reached.
 */
#ifndef MINUTESD_COMMANDS_H
#define MINUTESD_COMMANDS_H

enum { EXIT_REJECTED = 1, EXIT_USAGE = 2 };

int ingest_main(int argc, char **argv);
int listen_main(int argc, char **argv);
int reparse_main(int argc, char **argv);
int migrate_main(int argc, char **argv);
int psql_main(int argc, char **argv);
int run_main(int argc, char **argv);
int check_config_main(int argc, char **argv);
int subscribe_main(int argc, char **argv);
int unsubscribe_main(int argc, char **argv);
int subscriptions_main(int argc, char **argv);

/* "file:///abs/path" with RFC 3986 escaping (new, free()); NULL on OOM. */
char *file_uri(const char *path);

/* A copy of s (new, free()) with every byte that is not part of valid
 * UTF-8 replaced by '?'; NULL for NULL. */
char *utf8_copy(const char *s);

#endif
