# tests/03-threads/rules.mk: building chapter 3's exercises.
#
# Exercise 3.6 (transfer) reports a deadlock with the cycle of threads and
# accounts that caused it.  Its test binaries are linked with --wrap for
# the mutex calls, so that every pthread_mutex_lock() in the learner's
# object (and the test's) goes through the test's __wrap_ functions,
# which keep a wait-for table.  Only this exercise's binaries get it:
# the tests of every other exercise would not link (they define no
# __wrap_ functions).
TRANSFER_WRAP := -Wl,--wrap=pthread_mutex_lock,--wrap=pthread_mutex_trylock,--wrap=pthread_mutex_unlock
$(B)/check/03-threads/transfer: TEST_LDLIBS += $(TRANSFER_WRAP)
$(B)/sol/03-threads/transfer: TEST_LDLIBS += $(TRANSFER_WRAP)
$(B)/mut/03-threads/mutants/transfer--%: TEST_LDLIBS += $(TRANSFER_WRAP)

# Exercise 3.7 (spsc) counts the mutexes its ring takes: none is allowed.
$(B)/check/03-threads/spsc: TEST_LDLIBS += $(TRANSFER_WRAP)
$(B)/sol/03-threads/spsc: TEST_LDLIBS += $(TRANSFER_WRAP)
$(B)/mut/03-threads/mutants/spsc--%: TEST_LDLIBS += $(TRANSFER_WRAP)

# The list of tests is made by linking the same test object with stubs,
# so it needs the same wrapping (the object calls __real_pthread_mutex_*).
$(B)/testobj/03-threads/transfer.tests: TEST_LDLIBS += $(TRANSFER_WRAP)
$(B)/testobj/03-threads/spsc.tests: TEST_LDLIBS += $(TRANSFER_WRAP)
