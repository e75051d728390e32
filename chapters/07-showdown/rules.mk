# chapters/07-showdown/rules.mk: the showdown runs io_uring as one more
# model (uring_model.h), so it links liburing and finds chapter 6's probe.
# maps.c and lib/ need neither ("private": lib.a, a prerequisite, is built
# without them).
$(B)/demo/07-showdown/showdown: private LDLIBS += -luring
$(B)/demo/07-showdown/showdown: private DEMO_CFLAGS += -Ichapters/06-io-uring
