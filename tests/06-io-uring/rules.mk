# tests/06-io-uring/rules.mk: building the io_uring chapter's exercises.
#
# Learner code calls liburing, so every test binary of the chapter links
# it.  It is also linked with --wrap for liburing's submit calls and for
# __io_uring_get_cqe (behind io_uring_wait_cqe and io_uring_peek_cqe):
# the tests count what the code keeps in flight and what it never marks
# seen (tests/06-io-uring/uring_watch.h).  The tests find the chapter's
# probe, uring_probe.h, next to the demos.
URING_WRAP := -luring $(foreach f,io_uring_submit io_uring_submit_and_wait \
                io_uring_submit_and_wait_timeout io_uring_submit_and_get_events \
                __io_uring_get_cqe,-Wl,--wrap=$f)
$(B)/check/06-io-uring/%: TEST_LDLIBS += $(URING_WRAP)
$(B)/sol/06-io-uring/%: TEST_LDLIBS += $(URING_WRAP)
$(B)/mut/06-io-uring/%: TEST_LDLIBS += $(URING_WRAP)
$(B)/hidden/check/06-io-uring/%: TEST_LDLIBS += $(URING_WRAP)
$(B)/hidden/sol/06-io-uring/%: TEST_LDLIBS += $(URING_WRAP)
$(B)/testobj/06-io-uring/%: TEST_CFLAGS += -Ichapters/06-io-uring
$(B)/hidden/check/06-io-uring/%: TEST_CFLAGS += -Ichapters/06-io-uring
$(B)/hidden/sol/06-io-uring/%: TEST_CFLAGS += -Ichapters/06-io-uring
