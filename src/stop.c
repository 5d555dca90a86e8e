/* The one process-wide state besides the log's: a signal handler can reach nothing else. */
#include "stop.h"

#include "log.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	if (stop_signal) {
		/* a second Ctrl-C: stop at once (temporary files are hidden, never the target) */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	stop_signal = sig;
	static const char msg[] = "\npodmigrate: interrupted, stopping cleanly (press again to force)\n";
	ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)ignored;
}

void stop_install_handlers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed pipe is reported as a write error instead */
}

bool stop_requested(void)
{
	if (!stop_signal)
		return false;
	log_error("interrupted by signal %d", (int)stop_signal);
	return true;
}
