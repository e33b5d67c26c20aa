/*
 * arc4random.c: arc4random_buf for the bundle, so it runs on glibc 2.34.
 *
 * Linked only into the bundle's programs (Makefile, BUNDLE_COMPAT), never
 * into the regular build or lib/.  Debian 12's static libexpat calls
 * arc4random_buf to salt its hash tables; glibc has it only since 2.36,
 * so the bundle imported arc4random_buf@GLIBC_2.36 and would not start on
 * Ubuntu 22.04 or RHEL/Alma 9 (glibc 2.35, 2.34), the floor the docs
 * promise.  Defined here, the linker takes this copy for expat's reference
 * and the bundle imports no symbol newer than the floor (tests/bats/
 * bundle.bats checks every import).
 *
 * The bytes come from getrandom(2) (glibc 2.25, Linux 3.17), the kernel's
 * generator, as glibc's own arc4random_buf does.  The function cannot
 * report failure, so a kernel without getrandom falls back to
 * /dev/urandom, and when neither gives bytes the program aborts rather
 * than hand out predictable ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

void arc4random_buf(void *buf, size_t n);

/* Fill buf from /dev/urandom; 0 when every byte was read, -1 otherwise. */
static int
urandom_fill(unsigned char *p, size_t n)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -1;
	while (n > 0) {
		ssize_t got = read(fd, p, n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = -1;
			break;
		}
		p += got;
		n -= (size_t)got;
	}
	close(fd);
	return rc;
}

/* Fill buf with n random bytes; never fails (aborts without a source). */
void
arc4random_buf(void *buf, size_t n)
{
	unsigned char *p = buf;
	int saved = errno;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == ENOSYS && urandom_fill(p, n) == 0)
			break;
		if (got <= 0)
			abort();
		p += got;
		n -= (size_t)got;
	}
	errno = saved;
}
