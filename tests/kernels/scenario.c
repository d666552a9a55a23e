/*
 * kernel_scenario: runs the bootstrap binary against children whose fate it knows from wait4(),
 * then checks what the tracer printed for exactly those pids. Statically linked, so the same file
 * runs on the host and as a test VM's only program besides busybox and bootstrap.
 *
 *   kernel_scenario BOOTSTRAP WORKDIR    run every case; one "VERDICT <case> PASS|FAIL <details>"
 * line per case, then "RESULT PASS|FAIL"; exit 0 only if all passed. The JSON records of its own
 * children are also printed, as they are, between
 *                                        "=== json lines begin ===" and "=== json lines end N ===",
 * for run.sh to parse strictly on the host. exec-probe --child MS CODE [ARG..]   what the children
 * run: sleep MS, exit CODE exec-probe --threads                 main thread leaves with
 * pthread_exit, a worker exits 7 after 300 ms exec-probe --group-exit              four threads
 * spin while the main thread calls exit(9) exec-probe --parent PROBE WORKDIR the command of the
 * command_mode case (parent_main)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HEADER "TIME     EVENT COMM             PID     PPID    FILENAME/EXIT CODE"
#define PROBE_NAME "exec-probe"
#define MISSING_PROGRAM "/nonexistent/kernel-scenario"
/* Under software emulation the verifier alone can take many seconds. */
#define TRACER_START_TIMEOUT_MS 120000
#define JSON_SYNC_INTERVAL_MS 100
#define TRACER_STOP_TIMEOUT_MS 20000

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- the children ---- */

static void *worker(void *arg)
{
	(void)arg;
	sleep_ms(300);
	exit(7); /* exit_group: the process ends here, long after its main thread */
}

static void *spinner(void *arg)
{
	for (volatile bool *stop = arg; !*stop;)
		;
	return NULL;
}

static void *short_thread(void *tid)
{
	*(pid_t *)tid = gettid();
	return NULL;
}

/*
 * The command of the command_mode case: a thread that ends, a child that execs the probe and exits
 * 6, a child that aborts with a core dump in WORKDIR; then it writes what wait4 said of each to
 * WORKDIR/command.truth ("thread TID", "exec PID STATUS", "abort PID STATUS") and exits 4.
 */
static int parent_main(const char *probe, const char *workdir)
{
	char path[512];
	pid_t tid = 0, exec_child, abort_child;
	pthread_t thread;
	int exec_status = -1, abort_status = -1;

	if (pthread_create(&thread, NULL, short_thread, &tid) != 0 || pthread_join(thread, NULL))
		return 99;
	exec_child = fork();
	if (exec_child == 0) {
		execv(probe, (char *[]){PROBE_NAME, "--child", "10", "6", NULL});
		_exit(127);
	}
	waitpid(exec_child, &exec_status, 0);
	abort_child = fork();
	if (abort_child == 0) {
		struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};

		/* The core goes to the working directory (core_pattern "core", the kernel's
		 * default). */
		if (chdir(workdir) == 0)
			setrlimit(RLIMIT_CORE, &unlimited);
		abort();
	}
	waitpid(abort_child, &abort_status, 0);
	snprintf(path, sizeof(path), "%s/command.truth", workdir);
	FILE *truth = fopen(path, "w");

	if (!truth)
		return 98;
	fprintf(truth, "thread %d\nexec %d %d\nabort %d %d\n", tid, exec_child, exec_status,
		abort_child, abort_status);
	fclose(truth);
	return 4;
}

/*
 * The process of the follow_pid case: once a byte arrives on stdin (the tracer is ready), a child
 * that execs the probe and exits 8, then an exec of the probe itself, which exits 3.
 */
static int followed_main(const char *probe)
{
	char go;
	pid_t child;

	if (read(STDIN_FILENO, &go, 1) != 1)
		return 97;
	child = fork();
	if (child == 0) {
		execv(probe, (char *[]){PROBE_NAME, "--child", "10", "8", NULL});
		_exit(127);
	}
	waitpid(child, NULL, 0);
	execv(probe, (char *[]){PROBE_NAME, "--child", "10", "3", NULL});
	return 96;
}

static int child_main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--group-exit") == 0) {
		/* Running threads die together: on kernels without group_dead several may see the
		 * group dead. */
		static volatile bool stop;
		pthread_t thread;

		for (int i = 0; i < 4; i++)
			pthread_create(&thread, NULL, spinner, (void *)&stop);
		sleep_ms(100);
		exit(9);
	}
	if (argc >= 2 && strcmp(argv[1], "--threads") == 0) {
		pthread_t thread;

		if (pthread_create(&thread, NULL, worker, NULL) != 0)
			return 99;
		pthread_exit(NULL); /* the leader becomes a zombie; the process lives on */
	}
	if (argc >= 4 && strcmp(argv[1], "--parent") == 0)
		return parent_main(argv[2], argv[3]);
	if (argc >= 3 && strcmp(argv[1], "--followed") == 0)
		return followed_main(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "--child") == 0) {
		sleep_ms(atol(argv[2]));
		return atoi(argv[3]);
	}
	fprintf(stderr, "usage: kernel_scenario BOOTSTRAP WORKDIR\n");
	return 2;
}

/* ---- small utilities ---- */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t size = 0;

	if (!f)
		return strdup("");
	FILE *mem = open_memstream(&text, &size);
	char chunk[4096];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(mem);
	fclose(f);
	return text;
}

static bool copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	char chunk[65536];
	ssize_t n;
	bool ok = in >= 0 && out >= 0;

	while (ok && (n = read(in, chunk, sizeof(chunk))) > 0)
		ok = write(out, chunk, (size_t)n) == n;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0)
		ok = false;
	return ok;
}

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static pid_t spawn(const char *path, char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		execv(path, argv);
		_exit(errno); /* the failed-exec case checks this code */
	}
	return pid;
}

static int reap(pid_t pid)
{
	int status = -1;
	struct rusage usage;

	wait4(pid, &status, 0, &usage);
	return status;
}

/*
 * ---- JSON lines (-j) ----
 *
 * Just enough JSON to check bootstrap -j from inside the VM, which has no JSON library: a validator
 * that finds truncated, unbalanced or unterminated lines, and lookups of top-level members. The
 * host parses the printed lines again with a real parser (run.sh).
 */

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* The end of the JSON value that starts at p, or NULL if it is not one. Depth-limited: a line is
 * small. */
static const char *json_skip(const char *p, int depth)
{
	if (depth > 32)
		return NULL;
	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if ((unsigned char)*p <
			    0x20) /* raw control characters, and the end of the line */
				return NULL;
			if (*p == '\\') {
				p++;
				if (*p == 'u') {
					for (int i = 1; i <= 4; i++)
						if (!p[i] ||
						    !strchr("0123456789abcdefABCDEF", p[i]))
							return NULL;
					p += 4;
				} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
					return NULL;
				}
			}
		}
		return p + 1;
	}
	if (*p == '[' || *p == '{') {
		bool object = *p == '{';
		char close = object ? '}' : ']';

		p = json_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (object) {
				if (*p != '"' || !(p = json_skip(p, depth + 1)))
					return NULL;
				p = json_ws(p);
				if (*p != ':')
					return NULL;
				p = json_ws(p + 1);
			}
			if (!(p = json_skip(p, depth + 1)))
				return NULL;
			p = json_ws(p);
			if (*p == close)
				return p + 1;
			if (*p != ',')
				return NULL;
			p = json_ws(p + 1);
		}
	}
	for (const char *word = "true\0false\0null\0"; *word; word += strlen(word) + 1)
		if (strncmp(p, word, strlen(word)) == 0)
			return p + strlen(word);
	/* A number: its exact grammar is left to the host's parser. */
	size_t len = strspn(p, "-+.eE0123456789");

	return len > 0 && (*p == '-' || (*p >= '0' && *p <= '9')) ? p + len : NULL;
}

/* One line is one complete object, nothing before or after it. */
static bool json_complete(const char *line)
{
	const char *end = *line == '{' ? json_skip(line, 0) : NULL;

	return end && *json_ws(end) == '\0';
}

/* The value of a top-level member of a complete object, or NULL. Keys are compared as written: none
 * has escapes. */
static const char *json_member(const char *object, const char *key)
{
	size_t len = strlen(key);
	const char *p = json_ws(object + 1);

	while (*p == '"') {
		bool match = strncmp(p + 1, key, len) == 0 && p[1 + len] == '"';
		const char *value = json_ws(json_ws(json_skip(p, 1)) + 1); /* after the ':' */

		if (match)
			return value;
		p = json_ws(json_skip(value, 1));
		if (*p == ',')
			p = json_ws(p + 1);
	}
	return NULL;
}

/* A JSON string equals `expected`. Only the escapes a plain ASCII argument could come with are
 * decoded. */
static bool json_string_is(const char *value, const char *expected)
{
	if (!value || *value != '"')
		return false;
	for (const char *p = value + 1;; p++, expected++) {
		char c = *p;

		if (c == '"')
			return *expected == '\0';
		if (c == '\\') {
			const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
			const char *at = strchr(from, *++p);

			if (!at || !*p) /* \uXXXX: not in any string this scenario passes */
				return false;
			c = to[at - from];
		}
		if (c != *expected)
			return false;
	}
}

static bool json_null(const char *value)
{
	return value && strncmp(value, "null", 4) == 0;
}

/* An integer member; false if it is absent or something else. */
static bool json_true(const char *value)
{
	return value && strncmp(value, "true", 4) == 0;
}

static bool json_int(const char *value, long *out)
{
	char *end;

	if (!value || !(*value == '-' || (*value >= '0' && *value <= '9')))
		return false;
	*out = strtol(value, &end, 10);
	return !strchr(".eE", *end);
}

/* A JSON array of strings equals a NULL-terminated argv, element by element. */
static bool json_argv_is(const char *value, char *const expected[])
{
	if (!value || *value != '[')
		return false;
	const char *p = json_ws(value + 1);

	for (int i = 0; expected[i]; i++) {
		if (!json_string_is(p, expected[i]))
			return false;
		p = json_ws(json_skip(p, 1));
		if (*p == ',')
			p = json_ws(p + 1);
	}
	return *p == ']';
}

/*
 * Splits a copy of `text` into lines, *n of them in *lines; a last line without its newline counts
 * too (it may have been cut off). Returns the copy, which the lines point into: free both.
 */
static char *split_lines(const char *text, char ***lines, int *n)
{
	char *copy = strdup(text);
	int capacity = 0;

	*lines = NULL;
	*n = 0;
	for (char *p = copy; *p;) {
		char *end = strchr(p, '\n');

		if (*n == capacity) {
			capacity = capacity ? 2 * capacity : 64;
			*lines = realloc(*lines, sizeof(**lines) * (size_t)capacity);
		}
		(*lines)[(*n)++] = p;
		if (!end)
			break;
		*end = '\0';
		p = end + 1;
	}
	return copy;
}

/* The complete records of one pid, optionally of one event kind; at most `max` of them in `found`.
 */
static int json_records(char **lines, int n, long pid, const char *event, char **found, int max)
{
	int count = 0;

	for (int i = 0; i < n; i++) {
		long got;

		if (json_complete(lines[i]) && json_int(json_member(lines[i], "pid"), &got) &&
		    got == pid &&
		    (!event || json_string_is(json_member(lines[i], "event"), event))) {
			if (count < max)
				found[count] = lines[i];
			count++;
		}
	}
	return count;
}

/* ---- the tracers ---- */

struct tracer {
	const char *name;
	const char *label;	/* its command line, for the verdicts */
	const char *options[6]; /* NULL-terminated */
	bool json;		/* -j: no header line, see json_ready() */
	pid_t pid;
	int status;
	char out_path[512];
	char err_path[512];
	char *output; /* all of stdout, read after it stopped */
};

/*
 * For json_ready(): a child that fails an exec, then execs the probe, which exits 0 at once. Each
 * of its three records comes from a different BPF program.
 */
static pid_t spawn_sync_child(const char *probe)
{
	pid_t pid = fork();

	if (pid == 0) {
		execv(MISSING_PROGRAM, (char *[]){"kernel-scenario", "--sync", NULL});
		execv(probe, (char *[]){PROBE_NAME, "--child", "0", "0", NULL});
		_exit(127);
	}
	return pid;
}

/*
 * -j prints no header: its output starts with the first event. The tracer attaches its programs one
 * after another, each for good, so once the failed exec, the exec and the exit of one sync child
 * are all in the output, every program is attached and nothing later can be missed.
 */
static bool json_ready(const char *output, const pid_t *children, int n_children)
{
	char **lines, *found;
	int n;
	char *copy = split_lines(output, &lines, &n);
	bool ready = false;

	for (int i = 0; i < n_children && !ready; i++)
		ready = json_records(lines, n, children[i], "exec_failed", &found, 1) > 0 &&
			json_records(lines, n, children[i], "exec", &found, 1) > 0 &&
			json_records(lines, n, children[i], "exit", &found, 1) > 0;
	free(lines);
	free(copy);
	return ready;
}

static bool start_tracer(struct tracer *t, const char *bootstrap, const char *workdir,
			 const char *probe)
{
	snprintf(t->out_path, sizeof(t->out_path), "%s/%s.out", workdir, t->name);
	snprintf(t->err_path, sizeof(t->err_path), "%s/%s.err", workdir, t->name);
	/* Truncated before the fork, so an earlier run's header in the same file cannot be taken
	 * for this one. */
	int out = open(t->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int err = open(t->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (out < 0 || err < 0)
		return false;
	t->pid = fork();
	if (t->pid == 0) {
		char *argv[7] = {(char *)bootstrap};

		memcpy(&argv[1], t->options, sizeof(t->options));
		dup2(out, STDOUT_FILENO);
		dup2(err, STDERR_FILENO);
		execv(bootstrap, argv);
		_exit(127);
	}
	close(out);
	close(err);
	/* The header is printed once the programs are loaded and attached: from then on nothing is
	 * missed. */
	struct timespec start;
	pid_t sync_children[TRACER_START_TIMEOUT_MS / JSON_SYNC_INTERVAL_MS];
	int n_sync = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (elapsed_ms(&start) < TRACER_START_TIMEOUT_MS) {
		char *text = read_file(t->out_path);
		bool ready = t->json ? json_ready(text, sync_children, n_sync)
				     : strncmp(text, HEADER "\n", strlen(HEADER) + 1) == 0;

		free(text);
		if (ready) {
			printf("%s ready after %ld ms\n", t->label, elapsed_ms(&start));
			return true;
		}
		if (waitpid(t->pid, &t->status, WNOHANG) == t->pid) {
			t->pid = 0;
			return false;
		}
		if (t->json && n_sync < (int)(sizeof(sync_children) / sizeof(sync_children[0]))) {
			sync_children[n_sync] = spawn_sync_child(probe);
			reap(sync_children[n_sync++]);
		}
		sleep_ms(t->json ? JSON_SYNC_INTERVAL_MS : 20);
	}
	return false;
}

/* SIGINT, then the tracer must flush what it has and exit 0. */
static bool stop_tracer(struct tracer *t)
{
	bool exited = false;

	if (t->pid > 0) {
		kill(t->pid, SIGINT);
		for (int waited = 0; waited < TRACER_STOP_TIMEOUT_MS && !exited; waited += 20) {
			exited = waitpid(t->pid, &t->status, WNOHANG) == t->pid;
			if (!exited)
				sleep_ms(20);
		}
		if (!exited) {
			kill(t->pid, SIGKILL);
			waitpid(t->pid, &t->status, 0);
		}
	}
	t->output = read_file(t->out_path);
	return exited && WIFEXITED(t->status) && WEXITSTATUS(t->status) == 0;
}

/* ---- the tracer's lines ---- */

struct line {
	char event[8];
	char comm[32];
	int pid;
	int ppid;
	char rest[600]; /* filename, or "[status] (Nms)" */
	char text[800];
};

#define MAX_LINES 16

/* The next line of the text at *at into l->text (the rest of *l cleared); false at the end. */
static bool next_line(const char **at, struct line *l)
{
	const char *p = *at, *end;
	size_t len;

	if (!*p)
		return false;
	end = strchr(p, '\n');
	len = end ? (size_t)(end - p) : strlen(p);
	*l = (struct line){0};
	snprintf(l->text, sizeof(l->text), "%.*s", (int)len, p);
	*at = end ? end + 1 : p + len;
	return true;
}

/* The lines of `output` whose PID column is `pid`, optionally only those of one event kind. */
static int lines_of(const char *output, int pid, const char *event, struct line *found)
{
	int count = 0;
	struct line l;

	for (const char *p = output; next_line(&p, &l);) {
		if (sscanf(l.text, "%*s %7s %31s %d %d %599[^\n]", l.event, l.comm, &l.pid, &l.ppid,
			   l.rest) == 5 &&
		    l.pid == pid && (!event || strcmp(l.event, event) == 0) && count < MAX_LINES)
			found[count++] = l;
	}
	return count;
}

/* Finds a line whose ppid is `parent`, and sets `child` to its pid. */
static bool any_child_of(const char *output, int parent, int *child)
{
	struct line l;

	for (const char *p = output; next_line(&p, &l);) {
		if (sscanf(l.text, "%*s %7s %31s %d %d", l.event, l.comm, &l.pid, &l.ppid) == 4 &&
		    l.ppid == parent) {
			*child = l.pid;
			return true;
		}
	}
	return false;
}

/* The number of event lines (after the header), or -1 if one is of neither pid. */
static int only_pids(const char *output, int a, int b)
{
	int count = 0;
	struct line l;

	for (const char *p = output; next_line(&p, &l);) {
		if (strncmp(l.text, HEADER, strlen(HEADER)) == 0 || !l.text[0])
			continue;
		if (sscanf(l.text, "%*s %7s %31s %d", l.event, l.comm, &l.pid) != 3 ||
		    (l.pid != a && l.pid != b))
			return -1;
		count++;
	}
	return count;
}

/* "[7] (312ms)" -> status "7", duration 312; duration -1 when absent. */
static void parse_exit(const struct line *l, char *status, size_t size, long *duration_ms)
{
	const char *close = strchr(l->rest, ']');
	const char *paren = strstr(l->rest, "(");

	snprintf(status, size, "%.*s", close && l->rest[0] == '[' ? (int)(close - l->rest - 1) : 0,
		 l->rest + 1);
	*duration_ms = paren ? atol(paren + 1) : -1;
}

/* ---- verdicts ---- */

/* The most memory a process has had resident (VmHWM), in bytes; -1 if unknown. */
static long peak_rss_bytes(pid_t pid)
{
	char path[64], *text, *field;
	long kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	text = read_file(path);
	field = strstr(text, "VmHWM:");
	if (field)
		sscanf(field + strlen("VmHWM:"), "%ld", &kb);
	free(text);
	return kb < 0 ? -1 : kb * 1024;
}

static int failures;
static int cases;

/* Whether the running kernel's release is at least major.minor. */
static bool kernel_at_least(const struct utsname *uts, int major, int minor)
{
	int have_major = 0, have_minor = 0;

	if (sscanf(uts->release, "%d.%d", &have_major, &have_minor) != 2)
		return false;
	return have_major > major || (have_major == major && have_minor >= minor);
}

/* One line per case; the details say what was expected and what the tracer printed. */
static void verdict(const char *name, bool pass, const char *format, ...)
{
	va_list args;

	cases++;
	failures += !pass;
	printf("VERDICT %s %s ", name, pass ? "PASS" : "FAIL");
	va_start(args, format);
	vprintf(format, args);
	va_end(args);
	printf("\n");
	fflush(stdout);
}

static void show_lines(const struct line *lines, int n)
{
	for (int i = 0; i < n; i++)
		printf("    | %s\n", lines[i].text);
}

/* Exactly one EXIT line for `pid`, with this status and at least this lifetime; returns the problem
 * or NULL. */
static const char *check_single_exit(const struct tracer *t, int pid, const char *status,
				     long min_ms, struct line *lines, int *n)
{
	static char problem[160];
	char got[32];
	long duration;

	*n = lines_of(t->output, pid, "EXIT", lines);
	if (*n != 1) {
		snprintf(problem, sizeof(problem),
			 "expected one EXIT line in %s's output, found %d", t->name, *n);
		return problem;
	}
	parse_exit(&lines[0], got, sizeof(got), &duration);
	if (strcmp(got, status) != 0) {
		snprintf(problem, sizeof(problem), "expected [%s], got [%s]", status, got);
		return problem;
	}
	if (duration < min_ms) {
		snprintf(problem, sizeof(problem),
			 "expected a lifetime of at least %ld ms, got %ld", min_ms, duration);
		return problem;
	}
	return NULL;
}

/* What the scenario knows about the children that the JSON case checks bootstrap -j -x against. */
struct json_truth {
	pid_t self;
	const char *probe;
	pid_t exec_pid; /* exec_args */
	char *const *exec_argv;
	pid_t exit3_pid;
	pid_t killed_pid;
	pid_t missing_pid; /* failed_exec */
	char *const *missing_argv;
};

/* Returns the first problem with the JSON output, or NULL. */
static const char *check_json(char **lines, int n, const struct json_truth *t)
{
	static char problem[300];
	int incomplete = 0;
	char *r;
	long number;

	/* Every line, including those of other processes on the host: the tool promises it for any
	 * bytes. */
	for (int i = 0; i < n; i++) {
		if (!json_complete(lines[i]) && incomplete++ == 0)
			snprintf(problem, sizeof(problem),
				 "line %d is not one complete JSON object: %.160s", i + 1,
				 lines[i]);
	}
	if (incomplete)
		return problem;
	if (n == 0)
		return "no output";

	if (json_records(lines, n, t->exec_pid, "exec", &r, 1) != 1)
		return "expected one exec record for the exec_args child";
	if (!json_argv_is(json_member(r, "argv"), t->exec_argv))
		return "its argv is not the one the child was given";
	if (!json_string_is(json_member(r, "filename"), t->probe) ||
	    !json_string_is(json_member(r, "comm"), PROBE_NAME) ||
	    !json_int(json_member(r, "ppid"), &number) || number != t->self)
		return "its filename, comm or ppid is not the probe's, " PROBE_NAME " or ours";

	if (json_records(lines, n, t->exit3_pid, "exit", &r, 1) != 1)
		return "expected one exit record for the exit_code child";
	if (!json_int(json_member(r, "exit_code"), &number) || number != 3 ||
	    !json_null(json_member(r, "signal")))
		return "the exit_code child's record lacks \"exit_code\":3 and \"signal\":null";

	if (json_records(lines, n, t->killed_pid, "exit", &r, 1) != 1)
		return "expected one exit record for the sigkill child";
	if (!json_null(json_member(r, "exit_code")) ||
	    !json_string_is(json_member(r, "signal"), "SIGKILL"))
		return "the sigkill child's record lacks \"exit_code\":null and "
		       "\"signal\":\"SIGKILL\"";

	if (json_records(lines, n, t->missing_pid, "exec_failed", &r, 1) != 1)
		return "expected one exec_failed record under -x";
	if (!json_string_is(json_member(r, "error"), "ENOENT") ||
	    !json_int(json_member(r, "errno"), &number) || number != ENOENT)
		return "the exec_failed record lacks \"error\":\"ENOENT\" and its errno";
	if (!json_string_is(json_member(r, "filename"), MISSING_PROGRAM) ||
	    !json_argv_is(json_member(r, "argv"), t->missing_argv))
		return "the exec_failed record does not show the path and argv the child passed";
	return NULL;
}

static char *describe_status(int status)
{
	static char text[32];

	if (WIFEXITED(status))
		snprintf(text, sizeof(text), "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(text, sizeof(text), "signal %d", WTERMSIG(status));
	else
		snprintf(text, sizeof(text), "status %#x", status);
	return text;
}

/* The one exit record of `pid` that ends the process (not thread_only), or NULL. */
static char *process_exit_of(char **lines, int n, long pid)
{
	char *records[MAX_LINES], *found = NULL;
	int count = json_records(lines, n, pid, "exit", records, MAX_LINES);

	for (int i = 0; i < count && i < MAX_LINES; i++) {
		if (json_true(json_member(records[i], "thread_only")))
			continue;
		if (found)
			return NULL;
		found = records[i];
	}
	return found;
}

/* Whether an exit record of `pid` says that its thread `tid` ended alone. */
static bool thread_exit_of(char **lines, int n, long pid, long tid)
{
	char *records[MAX_LINES];
	int count = json_records(lines, n, pid, "exit", records, MAX_LINES);
	long got;

	for (int i = 0; i < count && i < MAX_LINES; i++) {
		if (json_int(json_member(records[i], "tid"), &got) && got == tid &&
		    json_true(json_member(records[i], "thread_only")))
			return true;
	}
	return false;
}

/* The first exec record whose argv holds `arg`, and its pid; NULL if none. */
static char *exec_with_arg(char **lines, int n, const char *arg, long *pid)
{
	for (int i = 0; i < n; i++) {
		const char *argv = json_member(lines[i], "argv");

		if (json_complete(lines[i]) &&
		    json_string_is(json_member(lines[i], "event"), "exec") && argv &&
		    strstr(argv, arg) && json_int(json_member(lines[i], "pid"), pid))
			return lines[i];
	}
	return NULL;
}

/* What the command of the command_mode case saw of its thread and children (parent_main). */
struct command_truth {
	long thread, exec_pid, abort_pid;
	int exec_status, abort_status;
};

static bool read_command_truth(const char *workdir, struct command_truth *t)
{
	char path[512];
	char *text;
	bool ok;

	snprintf(path, sizeof(path), "%s/command.truth", workdir);
	text = read_file(path);
	ok = sscanf(text, "thread %ld exec %ld %d abort %ld %d", &t->thread, &t->exec_pid,
		    &t->exec_status, &t->abort_pid, &t->abort_status) == 5;
	free(text);
	return ok;
}

/*
 * Command mode, bootstrap -j --threads -- PROBE --parent PROBE WORKDIR: the command starts once the
 * programs are attached; it and the children it forks are followed (the fork program adds them to
 * the traced set), and the tracer exits with the command's status, 4. Each record is checked
 * against what the command saw: its thread's end, a child's exec and exit code with the working
 * directory it inherited, another child's SIGABRT and core dump as wait4 told them. Sets the
 * command's pid (0 when not found).
 */
static const char *check_command_mode(const char *bootstrap, const char *probe, const char *workdir,
				      char **output, long *command)
{
	static char problem[700];
	char out_path[512], cwd[512], **lines, *r;
	struct command_truth truth;
	int n, status;
	long number;

	*command = 0;
	*output = strdup("");
	snprintf(out_path, sizeof(out_path), "%s/command.out", workdir);
	if (!getcwd(cwd, sizeof(cwd)))
		return "getcwd failed";
	pid_t tracer = fork();

	if (tracer == 0) {
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(out, STDOUT_FILENO);
		execv(bootstrap,
		      (char *[]){(char *)bootstrap, "-j", "--threads", "--", (char *)probe,
				 "--parent", (char *)probe, (char *)workdir, NULL});
		_exit(127);
	}
	status = reap(tracer);
	free(*output);
	*output = read_file(out_path);
	char *copy = split_lines(*output, &lines, &n);
	const char *found = NULL;

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 4) {
		snprintf(problem, sizeof(problem), "bootstrap exited with %s, not the command's 4",
			 describe_status(status));
		found = problem;
	} else if (!read_command_truth(workdir, &truth)) {
		found = "the command left no account of its children";
	} else if (!exec_with_arg(lines, n, "--parent", command)) {
		found = "no exec record for the command";
	} else if (!(r = process_exit_of(lines, n, *command)) ||
		   !json_int(json_member(r, "exit_code"), &number) || number != 4) {
		found = "the command's exit record lacks \"exit_code\":4";
	} else if (json_records(lines, n, truth.exec_pid, "exec", &r, 1) != 1 ||
		   !json_int(json_member(r, "ppid"), &number) || number != *command) {
		found = "no exec record for the child that execs, with the command as its parent";
	} else if (!json_string_is(json_member(r, "cwd"), cwd)) {
		snprintf(problem, sizeof(problem), "the child's exec record lacks \"cwd\":\"%s\"",
			 cwd);
		found = problem;
	} else if (!(r = process_exit_of(lines, n, truth.exec_pid)) ||
		   !json_int(json_member(r, "exit_code"), &number) ||
		   number != WEXITSTATUS(truth.exec_status)) {
		found = "the child's exit record does not have the exit code wait4 gave";
	} else if (!(r = process_exit_of(lines, n, truth.abort_pid)) ||
		   !json_string_is(json_member(r, "signal"), "SIGABRT") ||
		   json_true(json_member(r, "core_dumped")) !=
		       (bool)WCOREDUMP(truth.abort_status)) {
		snprintf(problem, sizeof(problem),
			 "the aborted child's exit record lacks \"signal\":\"SIGABRT\" and "
			 "\"core_dumped\":%s",
			 WCOREDUMP(truth.abort_status) ? "true" : "false");
		found = problem;
	} else if (!thread_exit_of(lines, n, *command, truth.thread)) {
		found = "no thread_only exit record for the command's thread (--threads)";
	}
	free(lines);
	free(copy);
	return found;
}

/*
 * -p PID: a process the tracer did not start, waiting until the tracer is ready, then forking a
 * child that execs and exits 8 and exec'ing itself to exit 3. The tracer must show those two
 * processes' execs and exits, with what wait4 said, and nothing of any other process on the
 * machine.
 */
static const char *check_follow_pid(const char *bootstrap, const char *probe, const char *workdir,
				    pid_t *followed, int *grandchild)
{
	static char problem[300];
	char pid_text[16], status[32];
	int go[2], followed_status;
	struct line lines[MAX_LINES];
	long duration;
	struct tracer t = {.name = "follow", .label = "bootstrap -p PID"};

	*followed = 0;
	*grandchild = 0;
	if (pipe(go) != 0)
		return "pipe failed";
	*followed = fork();
	if (*followed == 0) {
		dup2(go[0], STDIN_FILENO);
		close(go[1]);
		execv(probe, (char *[]){PROBE_NAME, "--followed", (char *)probe, NULL});
		_exit(127);
	}
	close(go[0]);
	snprintf(pid_text, sizeof(pid_text), "%d", *followed);
	t.options[0] = "-p";
	t.options[1] = pid_text;
	if (!start_tracer(&t, bootstrap, workdir, probe)) {
		close(go[1]);
		reap(*followed);
		return "bootstrap -p did not start";
	}
	(void)!write(go[1], "g", 1);
	close(go[1]);
	followed_status = reap(*followed);
	sleep_ms(300); /* the last records reach the reader */
	bool stopped = stop_tracer(&t);

	const char *found = NULL;
	if (!stopped)
		found = "bootstrap -p did not exit 0 after SIGINT";
	else if (!WIFEXITED(followed_status) || WEXITSTATUS(followed_status) != 3)
		found = "the followed process did not exit 3";
	else if (lines_of(t.output, *followed, "EXEC", lines) != 1)
		found = "expected one EXEC line for the followed process";
	else if (lines_of(t.output, *followed, "EXIT", lines) != 1 ||
		 (parse_exit(&lines[0], status, sizeof(status), &duration), strcmp(status, "3")))
		found = "expected one EXIT [3] line for the followed process";
	else if (!any_child_of(t.output, *followed, grandchild))
		found = "no line for the followed process's child";
	else if (lines_of(t.output, *grandchild, "EXEC", lines) != 1 ||
		 lines_of(t.output, *grandchild, "EXIT", lines) != 1 ||
		 (parse_exit(&lines[0], status, sizeof(status), &duration), strcmp(status, "8")))
		found = "expected one EXEC and one EXIT [8] line for its child";
	else if (only_pids(t.output, *followed, *grandchild) != 4) {
		snprintf(problem, sizeof(problem),
			 "expected 4 event lines, all of pids %d and %d:\n%s", *followed,
			 *grandchild, t.output);
		found = problem;
	}
	free(t.output);
	return found;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');

	if (strcmp(base ? base + 1 : argv[0], PROBE_NAME) == 0 || argc != 3)
		return child_main(argc, argv);

	const char *bootstrap = argv[1], *workdir = argv[2];
	struct utsname uts;
	char probe[512];

	setvbuf(stdout, NULL, _IOLBF, 0);
	uname(&uts);
	printf("KERNEL %s %s\n", uts.release, uts.version);

	/* The children run a copy of this program under a known name: their EXEC lines are
	 * predictable. */
	snprintf(probe, sizeof(probe), "%s/" PROBE_NAME, workdir);
	if (!copy_file("/proc/self/exe", probe)) {
		printf("RESULT FAIL cannot copy /proc/self/exe to %s: %s\n", probe,
		       strerror(errno));
		return 1;
	}

	/*
	 * -a on the -x tracer: its EXEC and FAIL lines show argv, read from two different places in
	 * the kernel. The JSON tracer starts first, so that its sync children (see json_ready) are
	 * not in the others' output.
	 */
	struct tracer json = {.name = "json",
			      .label = "bootstrap -j -x --ancestors --existing --env",
			      .options = {"-j", "-x", "--ancestors", "--existing", "--env"},
			      .json = true};
	struct tracer plain = {.name = "plain", .label = "bootstrap"};
	struct tracer failed = {.name = "failed",
				.label = "bootstrap -x -a --max-args-bytes 64K",
				.options = {"-x", "-a", "--max-args-bytes", "64K"}};
	/* -v: its stderr says which loader ran, and why (light_loader). */
	struct tracer slow = {
	    .name = "duration", .label = "bootstrap -d 200 -v", .options = {"-d", "200", "-v"}};
	struct tracer *tracers[] = {&json, &plain, &failed, &slow};
	const int n_tracers = sizeof(tracers) / sizeof(tracers[0]);

	for (int i = 0; i < n_tracers; i++) {
		if (!start_tracer(tracers[i], bootstrap, workdir, probe)) {
			char *err = read_file(tracers[i]->err_path);

			printf("%s did not start (%s); its stderr:\n%s\n", tracers[i]->label,
			       tracers[i]->pid ? "no header in time"
					       : describe_status(tracers[i]->status),
			       err);
			for (int j = 0; j <= i; j++)
				stop_tracer(tracers[j]);
			printf("RESULT FAIL %s did not start\n", tracers[i]->label);
			return 1;
		}
	}

	/*
	 * Where the kernel can run the light skeleton's loader (5.17 and later), the default tracer
	 * never reads the kernel's BTF, while libbpf (for an argv cap above the default) holds two
	 * copies of it during load. Peak memory shows which one ran: the default tracer's is below
	 * the other's by more than one copy. On an older kernel the loader program is refused, and
	 * libbpf must load instead: the -v tracer's log says both, and the default tracer held the
	 * BTF.
	 */
	struct stat btf;
	long plain_peak = peak_rss_bytes(plain.pid), failed_peak = peak_rss_bytes(failed.pid);
	bool btf_known = stat("/sys/kernel/btf/vmlinux", &btf) == 0 && btf.st_size > 0;
	char *loader_log = read_file(slow.err_path);
	bool light_refused = strstr(loader_log, "light skeleton: failed") &&
			     strstr(loader_log, "trying libbpf") &&
			     strstr(loader_log, "libbpf's skeleton: per-process state in");

	if (kernel_at_least(&uts, 5, 17))
		verdict(
		    "light_loader",
		    btf_known && plain_peak > 0 && plain_peak + btf.st_size <= failed_peak &&
			strstr(loader_log, "light skeleton: loaded"),
		    "kernel BTF %ld KiB; peak RSS %ld KiB for bootstrap (light loader), %ld KiB "
		    "for %s (libbpf); -v: %s",
		    btf_known ? (long)btf.st_size / 1024 : -1L, plain_peak / 1024,
		    failed_peak / 1024, failed.label,
		    strstr(loader_log, "light skeleton: loaded") ? "light skeleton loaded"
								 : "no light skeleton");
	else
		verdict(
		    "light_loader", btf_known && light_refused && plain_peak >= btf.st_size,
		    "before 5.17: the light skeleton refused and libbpf loaded (-v: %s); kernel "
		    "BTF %ld KiB, peak RSS %ld KiB for bootstrap",
		    light_refused ? "says so" : "does not say so",
		    btf_known ? (long)btf.st_size / 1024 : -1L, plain_peak / 1024);
	free(loader_log);

	/*
	 * Run every case while all the tracers watch; check their output once they have stopped.
	 * The exec's arguments include one with a space and an empty one: -a must quote both, -j
	 * must keep both as they are.
	 */
	pid_t self = getpid();
	char *const exec_argv[] = {PROBE_NAME,	  "--child", "0",     "5",
				   "an argument", "",	     "--x=y", NULL};
	char *const missing_argv[] = {"kernel-scenario", "--never", "twice", NULL};
	pid_t exec_pid = spawn(probe, exec_argv);
	int exec_status = reap(exec_pid);
	pid_t exit3_pid = spawn(probe, (char *[]){PROBE_NAME, "--child", "0", "3", NULL});
	int exit3_status = reap(exit3_pid);
	pid_t killed_pid = spawn(probe, (char *[]){PROBE_NAME, "--child", "600000", "0", NULL});
	sleep_ms(200);
	kill(killed_pid, SIGKILL);
	int killed_status = reap(killed_pid);
	pid_t threads_pid = spawn(probe, (char *[]){PROBE_NAME, "--threads", NULL});
	int threads_status = reap(threads_pid);
	pid_t group_pid = spawn(probe, (char *[]){PROBE_NAME, "--group-exit", NULL});
	int group_status = reap(group_pid);
	pid_t missing_pid = spawn(MISSING_PROGRAM, missing_argv);
	int missing_status = reap(missing_pid);
	pid_t short_pid = spawn(probe, (char *[]){PROBE_NAME, "--child", "10", "0", NULL});
	pid_t long_pid = spawn(probe, (char *[]){PROBE_NAME, "--child", "400", "0", NULL});
	int short_status = reap(short_pid);
	int long_status = reap(long_pid);

	for (int i = 0; i < n_tracers; i++) {
		bool ok = stop_tracer(tracers[i]);
		char name[32];

		snprintf(name, sizeof(name), "sigint_%s", tracers[i]->name);
		verdict(name, ok, "%s: %s after SIGINT", tracers[i]->label,
			describe_status(tracers[i]->status));
		if (!ok) {
			char *err = read_file(tracers[i]->err_path);

			printf("    stderr: %s\n", err);
			free(err);
		}
	}

	struct line lines[MAX_LINES], execs[MAX_LINES];
	int n, n_exec;
	const char *problem;

	/*
	 * An exec with arguments: its EXEC line names the file and the new comm, with -a also the
	 * arguments (quoted as the tool quotes them); then it exits 5.
	 */
	char command_line[600];
	struct line with_args[MAX_LINES];
	int n_args = lines_of(failed.output, exec_pid, "EXEC", with_args);

	snprintf(command_line, sizeof(command_line), "%s --child 0 5 'an argument' '' --x=y",
		 probe);
	n_exec = lines_of(plain.output, exec_pid, "EXEC", execs);
	problem = check_single_exit(&plain, exec_pid, "5", 0, lines, &n);
	if (!WIFEXITED(exec_status) || WEXITSTATUS(exec_status) != 5)
		problem = "the child did not exit 5 (wait4)";
	else if (n_exec != 1 || n_args != 1)
		problem = "expected one EXEC line from bootstrap and one from bootstrap -x -a";
	else if (strcmp(execs[0].rest, probe) != 0 || strcmp(execs[0].comm, PROBE_NAME) != 0 ||
		 execs[0].ppid != self)
		problem = "the EXEC line does not show the file, comm " PROBE_NAME
			  " and our pid as parent";
	else if (strcmp(with_args[0].rest, command_line) != 0)
		problem = "-a does not show the command line the child was given";
	verdict("exec_args", !problem, "pid %d, wait4: %s%s%s", exec_pid,
		describe_status(exec_status), problem ? "; " : "", problem ? problem : "");
	show_lines(execs, n_exec);
	show_lines(with_args, n_args);
	show_lines(lines, n);

	problem = check_single_exit(&plain, exit3_pid, "3", 0, lines, &n);
	if (!WIFEXITED(exit3_status) || WEXITSTATUS(exit3_status) != 3)
		problem = "the child did not exit 3 (wait4)";
	verdict("exit_code", !problem, "pid %d, wait4: %s%s%s", exit3_pid,
		describe_status(exit3_status), problem ? "; " : "", problem ? problem : "");
	show_lines(lines, n);

	problem = check_single_exit(&plain, killed_pid, "SIGKILL", 0, lines, &n);
	if (!WIFSIGNALED(killed_status) || WTERMSIG(killed_status) != SIGKILL)
		problem = "the child was not killed by SIGKILL (wait4)";
	verdict("sigkill", !problem, "pid %d, wait4: %s%s%s", killed_pid,
		describe_status(killed_status), problem ? "; " : "", problem ? problem : "");
	show_lines(lines, n);

	/*
	 * The main thread left first: that must not count as the process's exit. One EXIT line,
	 * from the worker's exit(7) about 300 ms later (the tracer's lifetime is measured from
	 * exec).
	 */
	problem = check_single_exit(&plain, threads_pid, "7", 250, lines, &n);
	if (!WIFEXITED(threads_status) || WEXITSTATUS(threads_status) != 7)
		problem = "the child did not exit 7 (wait4)";
	verdict("thread_leader_exits_first", !problem, "pid %d, wait4: %s%s%s", threads_pid,
		describe_status(threads_status), problem ? "; " : "", problem ? problem : "");
	show_lines(lines, n);

	problem = check_single_exit(&plain, group_pid, "9", 0, lines, &n);
	if (!WIFEXITED(group_status) || WEXITSTATUS(group_status) != 9)
		problem = "the child did not exit 9 (wait4)";
	verdict("group_exit_running_threads", !problem, "pid %d, wait4: %s%s%s", group_pid,
		describe_status(group_status), problem ? "; " : "", problem ? problem : "");
	show_lines(lines, n);

	/* A failed exec: -x reports it with the errno (-a: and argv); the child exited with that
	 * errno too. */
	n = lines_of(failed.output, missing_pid, "FAIL", lines);
	problem = NULL;
	if (!WIFEXITED(missing_status) || WEXITSTATUS(missing_status) != ENOENT)
		problem = "the exec did not fail with ENOENT (wait4)";
	else if (n != 1)
		problem = "expected one FAIL line under -x";
	else if (strcmp(lines[0].rest, MISSING_PROGRAM " --never twice [ENOENT]") != 0)
		problem = "expected '" MISSING_PROGRAM " --never twice [ENOENT]'";
	else if (lines_of(plain.output, missing_pid, "FAIL", execs) != 0)
		problem = "plain bootstrap (without -x) reported the failed exec";
	verdict("failed_exec", !problem, "pid %d, wait4: %s%s%s", missing_pid,
		describe_status(missing_status), problem ? "; " : "", problem ? problem : "");
	show_lines(lines, n);

	/* -d 200: nothing for the 10 ms child, the exit of the 400 ms one, and no EXEC line at all.
	 */
	problem = check_single_exit(&slow, long_pid, "0", 400, lines, &n);
	if (WEXITSTATUS(short_status) != 0 || WEXITSTATUS(long_status) != 0)
		problem = "a child did not exit 0 (wait4)";
	else if (lines_of(slow.output, short_pid, NULL, execs) != 0)
		problem = "the 10 ms child was reported under -d 200";
	else if (strstr(slow.output, " EXEC "))
		problem = "-d printed EXEC lines";
	verdict("min_duration", !problem, "pids %d (10 ms) and %d (400 ms)%s%s", short_pid,
		long_pid, problem ? "; " : "", problem ? problem : "");
	show_lines(lines, n);

	/*
	 * bootstrap -j -x on the same children. The VM has no JSON parser, so the records of these
	 * children are also printed as they are, for run.sh to parse on the host (json_strict).
	 */
	struct json_truth truth = {.self = self,
				   .probe = probe,
				   .exec_pid = exec_pid,
				   .exec_argv = exec_argv,
				   .exit3_pid = exit3_pid,
				   .killed_pid = killed_pid,
				   .missing_pid = missing_pid,
				   .missing_argv = missing_argv};
	char **json_lines;
	int n_json;
	char *json_text = split_lines(json.output, &json_lines, &n_json);
	pid_t json_pids[] = {exec_pid, exit3_pid, killed_pid, missing_pid};
	int printed = 0;

	problem = check_json(json_lines, n_json, &truth);
	verdict("json_output", !problem,
		"%d lines; pids %d (exec_args), %d (exit_code), %d (sigkill), %d (failed_exec)%s%s",
		n_json, exec_pid, exit3_pid, killed_pid, missing_pid, problem ? "; " : "",
		problem ? problem : "");
	pid_t followed;
	int followed_child;

	problem = check_follow_pid(bootstrap, probe, workdir, &followed, &followed_child);
	verdict("follow_pid", !problem, "bootstrap -p %d: pids %d (followed), %d (its child)%s%s",
		followed, followed, followed_child, problem ? "; " : "", problem ? problem : "");

	/* Last: the other tracers are stopped, so its child's exec cannot reach them. */
	char *command_output = NULL;
	long command_pid;
	struct command_truth command = {0};

	problem = check_command_mode(bootstrap, probe, workdir, &command_output, &command_pid);
	read_command_truth(workdir, &command);
	char exec_fate[32];

	snprintf(exec_fate, sizeof(exec_fate), "%s", describe_status(command.exec_status));
	verdict("command_mode", !problem,
		"bootstrap -j --threads -- %s --parent: pids %ld (command), %ld (exec, wait4: %s), "
		"%ld (abort, wait4: %s%s)%s%s",
		PROBE_NAME, command_pid, command.exec_pid, exec_fate, command.abort_pid,
		describe_status(command.abort_status),
		WCOREDUMP(command.abort_status) ? ", core dumped" : "", problem ? "; " : "",
		problem ? problem : "");
	printf("=== json lines begin ===\n");
	for (int i = 0; i < (int)(sizeof(json_pids) / sizeof(json_pids[0])); i++) {
		char *records[MAX_LINES];
		int n_records =
		    json_records(json_lines, n_json, json_pids[i], NULL, records, MAX_LINES);

		for (int k = 0; k < n_records && k < MAX_LINES; k++, printed++)
			printf("%s\n", records[k]);
	}
	char **command_lines;
	int n_command;
	char *command_text = split_lines(command_output, &command_lines, &n_command);

	for (int i = 0; i < n_command; i++) {
		long pid;

		if (json_complete(command_lines[i]) &&
		    json_int(json_member(command_lines[i], "pid"), &pid) &&
		    (pid == command_pid || pid == command.exec_pid || pid == command.abort_pid)) {
			printf("%s\n", command_lines[i]);
			printed++;
		}
	}
	printf("=== json lines end %d ===\n", printed);
	free(command_lines);
	free(command_text);
	free(command_output);
	free(json_lines);
	free(json_text);

	if (failures) {
		for (int i = 0; i < n_tracers; i++)
			printf("---- output of %s ----\n%s", tracers[i]->name, tracers[i]->output);
	}
	printf("RESULT %s %d cases, %d failed\n", failures ? "FAIL" : "PASS", cases, failures);
	return failures ? 1 : 0;
}
