# chapters/06-io-uring/rules.mk: the io_uring chapter's demos and benches
# link liburing (Debian's liburing-dev, installed by make deps).
$(B)/demo/06-io-uring/%: LDLIBS += -luring
# bench_echo.c includes chapter 5's side-by-side bench, for its load
# generator and its two servers.
$(B)/demo/06-io-uring/bench_echo: chapters/05-libuv/bench_sidebyside.c
