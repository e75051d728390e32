# chapters/09-io-uring/rules.mk: the io_uring chapter's demos and benches
# link liburing (Debian's liburing-dev, installed by make deps).
$(B)/demo/09-io-uring/%: LDLIBS += -luring
