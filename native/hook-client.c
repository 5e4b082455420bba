/*
 * agent-policy-hook: the native hook client. Agent runtimes run it before every tool call
 * (`agent-policy-hook NODE hook <runtime> ...`, installed by `agent-policy init` where the build
 * could compile it). It hands the call to the resident decider (`agent-policy serve`) over its
 * Unix socket and prints the answer; in every other case it runs the CLI beside it with NODE,
 * handing it the call, so the call is decided in that process. It never prints an answer the
 * decider did not send: the decider's deadline denial (sent before any work) is printed when the
 * answer does not arrive in time. The wire format is server/src/host/services/decider-protocol.ts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAYLOAD (16 * 1024 * 1024)
#define MAX_FRAME_PART (64UL * 1024 * 1024)
#define FIRST_FRAME_MS 500
#define ANSWER_GRACE_MS 300

static const char *env_names[] = {"HOME", "AGENT_POLICY_STATE_DIR", "XDG_STATE_HOME", "AGENT_POLICY_SEAL_HOME"};

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

static double started;

typedef struct {
  char *data;
  size_t length, capacity;
} buffer;

static int append(buffer *b, const void *data, size_t length) {
  if (b->length + length > b->capacity) {
    size_t capacity = b->capacity ? b->capacity : 4096;
    while (capacity < b->length + length) capacity *= 2;
    char *grown = realloc(b->data, capacity);
    if (!grown) return -1;
    b->data = grown;
    b->capacity = capacity;
  }
  memcpy(b->data + b->length, data, length);
  b->length += length;
  return 0;
}

static int append_field(buffer *b, const char *text) { return append(b, text, strlen(text) + 1); }

/* Writes everything, waiting while the descriptor is full (until `deadline`, when one is given); -1 when it could not. */
static int write_all_until(int fd, const char *data, size_t length, double deadline) {
  while (length > 0) {
    ssize_t n = write(fd, data, length);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int wait = deadline > 0 ? (int)(deadline - now_ms()) : 1000;
      if (deadline > 0 && wait <= 0) return -1;
      struct pollfd p = {fd, POLLOUT, 0};
      if (poll(&p, 1, wait) < 0 && errno != EINTR) return -1;
      continue;
    }
    if (n <= 0) return -1;
    data += n;
    length -= (size_t)n;
  }
  return 0;
}

static void write_all(int fd, const char *data, size_t length) { (void)write_all_until(fd, data, length, 0); }

/* The call decided in a CLI process: the payload on its stdin (an unlinked temporary file). */
static char *node_path;
static char *self_path;
static char **cli_args;
static int cli_argc;

static void deny_unrunnable(const char *why) {
  char message[512];
  snprintf(message, sizeof message, "Agent Policy: the hook could not run its CLI (%s), so the action is denied\n", why);
  write_all(2, message, strlen(message));
  exit(2);
}

static void in_process(const buffer *payload, int start_decider) {
  if (payload) {
    FILE *file = tmpfile();
    if (!file) deny_unrunnable("no temporary file for the call");
    if (payload->length && fwrite(payload->data, 1, payload->length, file) != payload->length) deny_unrunnable("the call could not be written");
    fflush(file);
    if (lseek(fileno(file), 0, SEEK_SET) != 0 || dup2(fileno(file), 0) < 0) deny_unrunnable("the call could not be handed over");
    fclose(file);
  }
  char elapsed[32];
  snprintf(elapsed, sizeof elapsed, "%.0f", now_ms() - started);
  setenv("AGENT_POLICY_HOOK_ELAPSED_MS", elapsed, 1);
  const char *off = getenv("AGENT_POLICY_DECIDER");
  if (start_decider && !(off && strcmp(off, "off") == 0)) setenv("AGENT_POLICY_START_DECIDER", "1", 1);
  char self[PATH_MAX], cli[PATH_MAX + 16];
  if (!realpath(self_path, self)) deny_unrunnable("its own path is unknown");
  char *slash = strrchr(self, '/');
  if (!slash) deny_unrunnable("its own path is unknown");
  *slash = 0;
  snprintf(cli, sizeof cli, "%s/cli.js", self);
  char **argv = calloc((size_t)cli_argc + 4, sizeof *argv);
  if (!argv) deny_unrunnable("out of memory");
  argv[0] = node_path;
  argv[1] = "--liftoff-only";
  argv[2] = cli;
  for (int i = 0; i < cli_argc; i++) argv[3 + i] = cli_args[i];
  execv(node_path, argv);
  deny_unrunnable(strerror(errno));
}

static int read_stdin(buffer *payload) {
  char chunk[65536];
  for (;;) {
    ssize_t n = read(0, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) return 0;
    if (append(payload, chunk, (size_t)n) < 0) return -1;
    if (payload->length > MAX_PAYLOAD) {
      /* The CLI refuses such input too; it is not buffered without end here. */
      const char *message = "Agent Policy: the hook input is larger than 16 MiB, so the action is denied\n";
      write_all(2, message, strlen(message));
      exit(2);
    }
  }
}

/* Whether `path` is this user's alone: a folder (or socket) no one else could have made or replaced. */
static int owned_by_me(const char *path, int folder) {
  struct stat st;
  if (lstat(path, &st) != 0 || st.st_uid != getuid()) return 0;
  return folder ? S_ISDIR(st.st_mode) && (st.st_mode & 077) == 0 : S_ISSOCK(st.st_mode);
}

/* Whether the process at the other end of `fd` runs as this user (where the system says). */
static int peer_is_me(int fd) {
#if defined(SO_PEERCRED)
  struct ucred cred;
  socklen_t size = sizeof cred;
  return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &size) == 0 && cred.uid == getuid();
#elif defined(__APPLE__) || defined(__FreeBSD__)
  uid_t uid;
  gid_t gid;
  return getpeereid(fd, &uid, &gid) == 0 && uid == getuid();
#else
  (void)fd;
  return 1;
#endif
}

static char *read_token(const char *path) {
  FILE *file = fopen(path, "r");
  if (!file) return NULL;
  static char token[256];
  size_t n = fread(token, 1, sizeof token - 1, file);
  fclose(file);
  token[n] = 0;
  while (n > 0 && (token[n - 1] == '\n' || token[n - 1] == '\r' || token[n - 1] == ' ')) token[--n] = 0;
  return n ? token : NULL;
}

/* The seal folder, as server/src/host/audit/seal-file.ts finds it. */
static int seal_folder(char *out, size_t size) {
  const char *base = getenv("AGENT_POLICY_SEAL_HOME");
  if (!base) base = getenv("XDG_STATE_HOME");
  char home_state[PATH_MAX];
  if (!base) {
    const char *home = getenv("HOME");
    if (!home || !*home) return -1;
    snprintf(home_state, sizeof home_state, "%s/.local/state", home);
    base = home_state;
  }
  char cwd[PATH_MAX] = "";
  if (base[0] != '/' && !getcwd(cwd, sizeof cwd)) return -1;
  int n = base[0] == '/' ? snprintf(out, size, "%s/.agent-policy-seal", base) : snprintf(out, size, "%s/%s/.agent-policy-seal", cwd, base);
  return n > 0 && (size_t)n < size ? 0 : -1;
}

/* Waits up to `ms` for bytes; appends them. 1: bytes, 0: closed, -1: timeout or error. */
static int receive(int fd, buffer *in, double deadline) {
  for (;;) {
    int wait = (int)(deadline - now_ms());
    if (wait <= 0) return -1;
    struct pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, wait);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    char chunk[65536];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) return 0;
    if (append(in, chunk, (size_t)n) < 0) return -1;
    return 1;
  }
}

typedef struct {
  int kind; /* 0 none yet, 1 late, 2 answer, 3 decline, -1 garbage */
  int exit_code;
  const char *out, *err;
  size_t out_length, err_length, consumed;
  long deadline_ms;
} frame;

static frame parse_frame(const buffer *in, size_t at) {
  frame f = {0};
  const char *start = in->data + at;
  size_t left = in->length - at;
  const char *newline = memchr(start, '\n', left);
  if (!newline) return f;
  size_t head = (size_t)(newline - start);
  char line[256];
  if (head >= sizeof line) { f.kind = -1; return f; }
  memcpy(line, start, head);
  line[head] = 0;
  if (strncmp(line, "decline ", 8) == 0) { f.kind = 3; f.consumed = head + 1; return f; }
  unsigned long out = 0, err = 0;
  long deadline = -1;
  int code = 0;
  char tail;
  if (strspn(line, "latenswr 0123456789") != head) { f.kind = -1; return f; } /* no signs: lengths are plain digits */
  if (sscanf(line, "late %d %lu %lu %ld%c", &code, &out, &err, &deadline, &tail) == 4 && deadline >= 0) f.kind = 1;
  else if (sscanf(line, "answer %d %lu %lu%c", &code, &out, &err, &tail) == 3) f.kind = 2;
  else { f.kind = -1; return f; }
  if (out > MAX_FRAME_PART || err > MAX_FRAME_PART || code < 0 || code > 255 || deadline > 86400000L) { f.kind = -1; return f; }
  if (left < head + 1 + out + err) { f.kind = 0; return f; }
  f.exit_code = code;
  f.out = newline + 1;
  f.out_length = out;
  f.err = newline + 1 + out;
  f.err_length = err;
  f.deadline_ms = deadline;
  f.consumed = head + 1 + out + err;
  return f;
}

static void print_reply(const frame *f) {
  /* An answer cut short could read as "proceed": only a whole one keeps its exit code. */
  if (write_all_until(1, f->out, f->out_length, 0) < 0) exit(2);
  write_all(2, f->err, f->err_length);
  exit(f->exit_code);
}

int main(int argc, char **argv) {
  started = now_ms();
  if (argc < 3) {
    fputs("usage: agent-policy-hook NODE hook RUNTIME [options]\n", stderr);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  self_path = argv[0];
  node_path = argv[1];
  cli_args = argv + 2;
  cli_argc = argc - 2;
  const char *probe = getenv("AGENT_POLICY_PROBE"), *off = getenv("AGENT_POLICY_DECIDER");
  if (strcmp(argv[2], "hook") != 0 || (probe && strcmp(probe, "1") == 0) || (off && strcmp(off, "off") == 0)) in_process(NULL, 0);

  buffer payload = {0};
  if (read_stdin(&payload) < 0) in_process(&payload, 0);
  char folder[PATH_MAX], token_path[PATH_MAX + 32];
  if (seal_folder(folder, sizeof folder) < 0) in_process(&payload, 0);
  snprintf(token_path, sizeof token_path, "%s/decider.token", folder);
  struct sockaddr_un address = {0};
  address.sun_family = AF_UNIX;
  if (snprintf(address.sun_path, sizeof address.sun_path, "%s/decider.sock", folder) >= (int)sizeof address.sun_path - 4) in_process(&payload, 0);
  char *token = read_token(token_path);
  if (!token) in_process(&payload, 1);
  /* Anyone who could make the folder or the socket could answer every call: they must be ours alone. */
  if (!owned_by_me(folder, 1) || !owned_by_me(address.sun_path, 0)) in_process(&payload, 0);

  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) in_process(&payload, 0);
  /* Not inherited by the CLI if it comes to that; and never blocking past the deadlines below. */
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) {
    int refused = errno == ECONNREFUSED || errno == ENOENT;
    close(fd);
    /* EAGAIN: its backlog is full (a decider that is not reading). */
    in_process(&payload, refused);
  }
  if (!peer_is_me(fd)) {
    close(fd);
    in_process(&payload, 0);
  }

  buffer request = {0};
  char number[32], cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) in_process(&payload, 0);
  append_field(&request, "AP-HOOK-2");
  append_field(&request, token);
  snprintf(number, sizeof number, "%.0f", now_ms() - started);
  append_field(&request, number);
  append_field(&request, cwd);
  int present = 0;
  for (size_t i = 0; i < sizeof env_names / sizeof *env_names; i++) present += getenv(env_names[i]) != NULL;
  snprintf(number, sizeof number, "%d", present);
  append_field(&request, number);
  for (size_t i = 0; i < sizeof env_names / sizeof *env_names; i++) {
    const char *value = getenv(env_names[i]);
    if (!value) continue;
    append_field(&request, env_names[i]);
    append_field(&request, value);
  }
  snprintf(number, sizeof number, "%d", cli_argc - 1);
  append_field(&request, number);
  for (int i = 1; i < cli_argc; i++) append_field(&request, cli_args[i]);
  snprintf(number, sizeof number, "%zu", payload.length);
  append_field(&request, number);
  if (append(&request, payload.data ? payload.data : "", payload.length) < 0) in_process(&payload, 0);
  /* Handing over is bounded too: a decider that does not read is given up on, and the call decided here. */
  if (write_all_until(fd, request.data, request.length, now_ms() + FIRST_FRAME_MS + (double)request.length / 50000.0) < 0) {
    close(fd);
    in_process(&payload, 0);
  }

  buffer in = {0};
  size_t at = 0;
  frame late = {0};
  double deadline = now_ms() + FIRST_FRAME_MS;
  for (;;) {
    frame f;
    while ((f = parse_frame(&in, at)).kind != 0) {
      if (f.kind == -1) {
        if (late.kind) print_reply(&late);
        in_process(&payload, 0);
      }
      if (f.kind == 2) print_reply(&f);
      if (f.kind == 3) in_process(&payload, 0);
      /* Kept apart: `in` may move as it grows. */
      late = f;
      char *kept = malloc(f.out_length + f.err_length + 1);
      if (!kept) in_process(&payload, 0);
      memcpy(kept, f.out, f.out_length);
      memcpy(kept + f.out_length, f.err, f.err_length);
      late.out = kept;
      late.err = kept + f.out_length;
      at += f.consumed;
      /* Still waiting: the decider decides only after this byte, so a call given up on is never decided twice. */
      if (write_all_until(fd, "G", 1, now_ms() + FIRST_FRAME_MS) < 0) in_process(&payload, 0);
      deadline = now_ms() + (double)f.deadline_ms + ANSWER_GRACE_MS;
    }
    int r = receive(fd, &in, deadline);
    if (r == 1) continue;
    /* Closed or out of time: the deadline's denial once the call was taken, else decided in-process. */
    if (late.kind) print_reply(&late);
    in_process(&payload, 0);
  }
}
