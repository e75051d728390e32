# Concurrency in C: processes, threads and event loops, measured.
#
# One non-recursive Makefile.  Everything is found by pattern, so a new
# chapter, demo, exercise, test or figure needs no edit here:
#   chapters/NN-slug/*.c            demo programs        -> build/demo/NN-slug/*
#   chapters/NN-slug/bench_X.c      benchmark for plots  -> plots/NN-slug/X.dat
#   exercises/NN-slug/X.{c,h}       stub and contract    -> build/check/NN-slug/X
#   solutions/NN-slug/X.c           reference solution   -> build/sol/NN-slug/X
#   tests/NN-slug/X.c               Criterion tests      (linked into both)
#   tests/NN-slug/X.tsan.c          ThreadSanitizer driver (optional)
#   tests/NN-slug/mutants/X--Y.c    a broken X the tests must catch (or a right X they must pass), or
#   tests/NN-slug/mutants/X--Y.patch  ... a patch that puts one bug in the solution
#   plots/NN-slug/X.gp + X.dat      figure               -> build/plots/NN-slug/X.svg
# A chapter that needs other tools (MPI) adds tests/NN-slug/rules.mk.

.DEFAULT_GOAL := help
SHELL := /bin/bash
MAKEFLAGS += --no-builtin-rules --no-print-directory
.SECONDEXPANSION:
.DELETE_ON_ERROR:
.SECONDARY:
.SUFFIXES:

B      := build
# ccache (make deps installs it) turns a rebuild of unchanged sources into a
# cache hit, keyed on the contents of the source and every header it reads:
# the student copy that make test unpacks, builds and grades from its own
# files compiles in seconds.  Without ccache, or with CCACHE_DISABLE=1, gcc
# compiles everything.  The folder is left out of the key (NOHASHDIR), as
# every path here is relative.
CC     := $(if $(shell command -v ccache 2>/dev/null),ccache gcc,gcc)
export CCACHE_NOHASHDIR := 1
PYTHON := python3
# python3 may be a version manager's shim: pyenv's is a bash script that
# runs several more before the interpreter, 70 ms of CPU a call here where
# the interpreter alone starts in 10 ms, and make test started python some
# 800 times when vet.py still checked every mutant.  So the interpreter's own
# folder goes first on PATH for everything make runs, as the shim itself
# does before it starts python (`pyenv exec`); where python3 is already
# the interpreter, nothing changes.
# (Asked once: the makes that grade.py starts inherit both.)
ifeq ($(origin PY_DIR),undefined)
PY_DIR := $(shell python3 -c 'import os, sys; print(os.path.dirname(sys.executable))' 2>/dev/null)
export PY_DIR
ifneq ($(PY_DIR),)
ifneq ($(dir $(shell command -v python3)),$(PY_DIR)/)
export PATH := $(PY_DIR):$(PATH)
endif
endif
endif
NPROC  := $(shell nproc 2>/dev/null || echo 2)

COMMON      := -std=gnu11 -g -Wall -Wextra -pthread -Ilib
# Demos, lib/ and tools/ are ISO C: -Wpedantic flags GNU extensions.
DEMO_CFLAGS := $(COMMON) -O2 -Wpedantic -Werror
# Tests run under AddressSanitizer and UBSan; the first UB aborts the run.
# (object-size is left to ASan, whose reports name the overflow.)
TEST_CFLAGS := $(COMMON) -O2 -Igrader -fno-omit-frame-pointer \
               -fsanitize=address,undefined -fno-sanitize=object-size \
               -fno-sanitize-recover=undefined
TSAN_CFLAGS := $(COMMON) -Igrader -O1 -fsanitize=thread
# The test objects, the grader's and lib/'s instrumented objects and the
# grader's own tests keep line tables and function names (-g1: what
# ASan's reports and addr2line print), not variables: GCC's code is the
# same at every -g level, and the 30 test objects took 28 CPU-s to
# compile where they took 39 with -g.  Learner code keeps -g, for gdb.
TEST_G      := -g1
# The test objects (tests/, the code that drives and checks the learner's)
# compile at -O1: Criterion's assert macros and the sanitizers make
# functions of tens of KB that -O2 takes twice as long over (the 30 took
# 35 CPU-s at -O2, 20 at -O1 here; kvserver's 6.9 s, 3.9).  Most timed
# tests measure code that runs elsewhere, at -O2: the learner's, lib/'s
# (count_primes, mix64, the models) and the grader's.  A test file whose
# timed code runs in the file itself (a reference loop, the loop that
# drives the learner's ring) says so on a line of its own,
# `// timed code here: -O2`, and compiles at -O2 as before: at -O1,
# reduction's reference loop took 0.98 to 1.06 times as long as at -O2
# (quartiles of 41 interleaved runs, twice), a shift the judge would
# take for the learner's.  The grader's own tests stay at -O2 too.
# (Only the compiles read the marker: a link needs no level.)
TEST_O      := -O1
test_o       = $(if $(shell grep -ls '^// timed code here: -O2' $1),-O2,$(TEST_O))
# gold, from binutils, links an ASan test program in a third of the time
# of the default linker (0.03 s against 0.10 s here), and make test links
# over 500 of them.  Where gcc cannot use it, the default links.
FAST_LD     := $(if $(shell gcc -fuse-ld=gold -Wl,--version 2>/dev/null | grep -i gold),-fuse-ld=gold)
LDLIBS      := $(FAST_LD) -luv -lm
# --wrap=fork: learner code's fork() goes through the grader's fork cap.
# NOCERTS: libgit2, which Criterion starts in every test process, skips
# the system's CA certificates (grader/nocerts.c says why).
NOCERTS     := -Wl,-u,mbedtls_x509_crt_parse_file \
               $(foreach f,file path,-Wl,--export-dynamic-symbol=mbedtls_x509_crt_parse_$f)
TEST_LDLIBS := $(LDLIBS) -lcriterion -Wl,--wrap=fork -Wl,-u,gr_channel_linked $(NOCERTS)

LIB_SRC    := $(wildcard lib/*.c)
GRADER_SRC := $(wildcard grader/*.c)
HEADERS    := $(wildcard lib/*.h grader/*.h)
EXERCISES  := $(patsubst exercises/%.c,%,$(wildcard exercises/*/*.c))
DEMOS      := $(patsubst chapters/%.c,$(B)/demo/%,$(wildcard chapters/*/*.c))
TOOLS      := $(patsubst tools/%.c,$(B)/bin/%,$(wildcard tools/*.c))
BENCH_DATA := $(subst /bench_,/,$(patsubst chapters/%.c,plots/%.dat,$(wildcard chapters/*/bench_*.c)))
FIGURES    := $(patsubst plots/%.gp,$(B)/plots/%.svg,$(wildcard plots/*/*.gp))
BOOK_MD    := book.md $(sort $(wildcard chapters/*/chapter.md)) $(wildcard docs/instructors.md) \
              $(wildcard docs/python-bridge.md)
LISTED     := $(shell find chapters exercises solutions tests lib grader tools -name '*.[ch]' 2>/dev/null)

# A mutant tests/NN-slug/mutants/X--why.c is graded by tests/NN-slug/X.c.
mut_ex = $(patsubst %/mutants/,%,$(dir $1))/$(firstword $(subst --, ,$(notdir $1)))
# A mutant that is the solution with one bug is kept as a patch, X--why.patch,
# so that it holds the bug and nothing else; its source is made in build/.
mut_src = $(if $(wildcard tests/$1.patch),$(B)/mutsrc/$1.c,tests/$1.c)
# The TSan driver, when the exercise has one.
tsan_of = $(if $(wildcard tests/$(call $1,$2).tsan.c),$3.tsan)
same = $1

-include $(wildcard tests/*/rules.mk chapters/*/rules.mk)

## ---- what a reader runs ------------------------------------------------

.PHONY: help deps check test book html pdf plots bench demos clean
help:
	@echo "Concurrency in C: processes, threads and event loops, measured."
	@echo
	@echo "  make deps                  install what is missing (Debian packages, sudo)"
	@echo "  make check                 grade your exercises/ and print the scoreboard"
	@echo "  make check EX=NN-slug/name   ... one exercise, with every test's result"
	@echo "  make check CH=NN             ... one chapter"
	@echo "  make check SEED=n            ... the same drawn inputs again (STUDENT=id: a student's own)"
	@echo "  make hint EX=NN-slug/name    the next hint for that exercise, one at a time"
	@echo "  make watch EX=NN-slug/name   re-check that exercise each time you save it"
	@echo "  make trace EX=NN-slug/name   draw what each worker did in one run of its speedup test"
	@echo "  make regrade EX=NN-slug/name [SUBMISSION=f.c N=5]  re-run only its timed tests, N times"
	@echo "  make classview RESULTS=dir   a class's results.json files: failure rates, scores, histogram"
	@echo "  make similarity SUBMISSIONS=\"dir ...\"  export for MOSS/JPlag, compare locally (sim_c)"
	@echo "  make book                  build/html/index.html (chapter pages), build/book.html, build/book.pdf"
	@echo "  make plots                 the figures, from the committed data in plots/"
	@echo "  make bench                 re-measure that data on this machine, then plot"
	@echo "  make showdown              every model on every workload, here, with a verdict (chapter 7)"
	@echo "  make demos                 build every demo program under chapters/"
	@echo "  make test                  the maintainers' suite (what CI runs)"
	@echo "  make test CH=NN STAGE=a,m    ... one chapter's share, some stages"
	@echo "  make dist                  the student distribution (no solutions): build/dist/"
	@echo "  make gradescope            the Gradescope autograder bundle: build/gradescope.zip"
	@echo "  make fairness              measure the speedup judge's false fails (minutes)"
	@echo "  make falsefails            grade every speedup test with its solution 100 times (over half an hour)"
	@echo "  make clean                 remove build/"

deps:
	@bash tools/deps.sh

# -S: grade.py needs only the standard library, and site's start-up (the
# .pth hooks of whatever is installed) took 0.08 s of each check here.
check:
	@$(PYTHON) -S grader/grade.py check --ex "$(EX)" --ch "$(CH)" --seed "$(SEED)" --student "$(STUDENT)"

test:
	@$(PYTHON) tools/maintainer_test.py $(if $(CH),--chapter $(CH)) $(if $(STAGE),--stage $(STAGE))

book: $(B)/book.html $(B)/html/index.html $(B)/book.pdf
	@echo "book: $(B)/html/index.html (open it in a browser), $(B)/book.html and $(B)/book.pdf"
html: $(B)/book.html $(B)/html/index.html
pdf: $(B)/book.pdf
plots: $(FIGURES)
demos: $(DEMOS) $(TOOLS)

# Re-measure every figure's data here (each bench program prints a data
# file on stdout), then draw.  The committed data is what `make book` uses
# when nobody re-measures.
bench: $(DEMOS) $(TOOLS)
	@set -e; for d in $(BENCH_DATA); do \
	  prog=$(B)/demo/$$(dirname $${d#plots/})/bench_$$(basename $$d .dat); \
	  echo "bench: $$prog > $$d"; \
	  $$prog > $$d.tmp && mv $$d.tmp $$d; \
	done
	@$(MAKE) showdown
	@$(MAKE) plots

# Chapter 7: the notes' rule measured here (matrix, verdict, Python, maps).
# It writes plots/07-showdown/*.dat (pss.dat: memory counted fairly, in a
# pass of its own; uring*.dat: the I/O cells with io_uring, in another);
# with QUICK=1, build/07-showdown/.
.PHONY: showdown
showdown: $(B)/demo/07-showdown/showdown $(B)/demo/07-showdown/maps
	@$(B)/demo/07-showdown/showdown --out plots/07-showdown
	@$(B)/demo/07-showdown/showdown --pss --out plots/07-showdown
	@$(B)/demo/07-showdown/showdown --uring --out plots/07-showdown
	@$(B)/demo/07-showdown/maps --out plots/07-showdown

clean:
	rm -rf $(B)

## ---- libraries -------------------------------------------------------

$(B)/rel/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(DEMO_CFLAGS) -c $< -o $@
$(B)/san/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(TEST_G) -c $< -o $@
$(B)/tsan/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(TSAN_CFLAGS) -c $< -o $@

$(B)/rel/lib.a: $(LIB_SRC:%.c=$(B)/rel/%.o)
$(B)/san/lib.a: $(LIB_SRC:%.c=$(B)/san/%.o) $(GRADER_SRC:%.c=$(B)/san/%.o)
$(B)/tsan/lib.a: $(LIB_SRC:%.c=$(B)/tsan/%.o)
$(B)/%/lib.a:
	@rm -f $@
	ar rcs $@ $^

## ---- programs --------------------------------------------------------

$(B)/demo/%: chapters/%.c $(B)/rel/lib.a $$(wildcard chapters/$$(dir $$*)*.h)
	@mkdir -p $(@D)
	$(CC) $(DEMO_CFLAGS) $< $(B)/rel/lib.a $(LDLIBS) -o $@

$(B)/bin/%: tools/%.c $(B)/rel/lib.a
	@mkdir -p $(@D)
	$(CC) $(DEMO_CFLAGS) $< $(B)/rel/lib.a $(LDLIBS) -o $@

## ---- exercises: the same tests against exercises/, solutions/, mutants --

## ---- learner code: vetted, then linked with nothing but its contract ----
# The learner's source (exercises/..., or a solution or mutant graded the
# same way) is compiled alone and vetted by grader/vet.py: no code that runs
# before or after the tests, no sections of its own, no global beyond the
# contract, no dlopen/ptrace/prctl, no #include from outside its folder and
# lib/.  Its instrumented objects then keep only the contract's functions
# global (objcopy), so nothing it defines (clock_gettime, a grader function)
# can replace anyone else's.  The sanitizer macros are undefined in every
# compile, so the code the grader runs is the code it vetted.
# $(call lo,SRC,san|tsan): the object of learner source SRC.
ex_chapter = $(firstword $(filter 0% 1% 2% 3% 4% 5% 6% 7% 8% 9%,$(subst /, ,$1)))
lo         = $(B)/lo/$(basename $1).$2.o
UNSAN      := -U__SANITIZE_ADDRESS__ -U__SANITIZE_THREAD__
# -S: vet.py needs only the standard library, and site's start-up (the
# .pth hooks of whatever is installed) was a quarter of the CPU of each of
# its 300-odd calls in make test at the time (74 ms against 56 ms here).
VET        := $(PYTHON) -S grader/vet.py

$(B)/contract/%.keep: grader/vet.py $$(wildcard exercises/$$*/*.h) $(HEADERS)
	@mkdir -p $(@D)
	$(VET) contract $* $@ -- $(CC) $(COMMON) -Iexercises/$*
$(B)/sum/lo/%.sum: FORCE
	$(call stamp,$*.c exercises/$(call ex_chapter,$*)/*.h)
# The vetted compile drops -g (-g0 comes last): GCC's code does not depend
# on it (-fcompare-debug checks that), no macro tells source code whether
# it is on, and vet.py reads no debug section; it cost 0.07 s of the 0.17 s
# of a solution's compile here, in some 300 compiles a make test.
# A mutant (tests/NN-slug/mutants/, or made from a patch in build/mutsrc/)
# is our own code, built to show that a test catches its bug: it is
# vetted only where vetting is what it tests (`must be refused:`).  The
# vetting is proven on the solutions, the stubs and those mutants; on the
# other 132 it cost 0.12 s to 0.21 s each here: building all 139 mutants
# from a warm ccache took 27.2 CPU-s with it and 10.7 without.  Refused or
# caught, a mutant is stopped either way.
unvetted = $(and $(findstring /mutants/,$1),$(if $(shell grep -l 'must be refused:' $1),,yes))
$(B)/lo/%.vet: %.c $(B)/sum/lo/%.sum $(B)/contract/$$(call ex_chapter,$$*).keep
	@mkdir -p $(@D)
	$(if $(call unvetted,$<),@: not vetted: a mutant that is not about vetting,\
	$(VET) check $(B)/contract/$(call ex_chapter,$*).keep $< -- \
	    $(CC) $(COMMON) -O2 $(UNSAN) -Iexercises/$(call ex_chapter,$*) -g0)
	@touch $@
# (Under names of its own, renamed into place: the public and the private
# tests of one exercise are built by two makes at once, which both want
# this object, and a shared temporary one make removed failed the other's
# objcopy, whose target .DELETE_ON_ERROR then removed under the first.)
lo_cc = $(CC) $1 $(SOL_CFLAGS) $(UNSAN) -Iexercises/$(call ex_chapter,$*) -c $< -o $@.$$$$.tmp && \
        objcopy --keep-global-symbols=$(B)/contract/$(call ex_chapter,$*).keep $@.$$$$.tmp $@.$$$$.o && \
        rm -f $@.$$$$.tmp && mv -f $@.$$$$.o $@
# The reference solutions are held to the demos' standard, ISO C with
# warnings as errors (learners' code is not).
$(B)/lo/solutions/%: SOL_CFLAGS := -Wpedantic -Werror
$(B)/lo/%.san.o: %.c $(B)/lo/%.vet
	$(call lo_cc,$(TEST_CFLAGS))
$(B)/lo/%.tsan.o: %.c $(B)/lo/%.vet
	$(call lo_cc,$(TSAN_CFLAGS))

## ---- exercises: the same tests against exercises/, solutions/, mutants --

# $1: the learner's object, $2: the exercise (NN-slug/name).  The
# tests are compiled once, into build/testobj/, and linked with the stub,
# the solution and every mutant: with Criterion's macros and ASan they
# take seconds to compile, the code under test a fraction of one.  (The
# object is renamed into place: the grader runs one make per exercise, and
# two of them may build it at once.)
test_cc   = $(CC) $(TEST_CFLAGS) $(TEST_G) -Iexercises/$(dir $2) -DEXERCISE='"$2"'
test_link = $(test_cc) $(B)/testobj/$2.o $1 $(B)/san/lib.a $(TEST_LDLIBS) -o $@
tsan_link = $(CC) $(TSAN_CFLAGS) -Iexercises/$(dir $2) \
            tests/$2.tsan.c $1 $(B)/tsan/lib.a $(LDLIBS) -o $@

# The tests each binary must report, listed from the test object linked
# with traps in place of the contract, before any learner code is linked:
# grade.py fails a test that is listed here and missing from the report.
# (Several makes may want the same list at once: each works under its own
# names, and the last rename wins with the same contents.)
list_tests = t=$@.$$$$ && $(VET) stubs $(B)/contract/$(call ex_chapter,$2).keep $$t.stubs.c && \
             $(CC) $(TEST_CFLAGS) $1 $$t.stubs.c $(B)/san/lib.a $(TEST_LDLIBS) -o $$t.bin && \
             ./$$t.bin --list > $$t.tmp && mv -f $$t.tmp $@ && rm -f $$t.bin $$t.stubs.c
$(B)/testobj/%.tests: $(B)/testobj/%.o $(B)/san/lib.a $(B)/contract/$$(call ex_chapter,$$*).keep
	$(call list_tests,$<,$*)

$(B)/check/%.tsan: tests/%.tsan.c $$(call lo,exercises/$$*.c,tsan) $(B)/tsan/lib.a $$(wildcard exercises/$$(dir $$*)*.h) $(B)/sum/check/%.sum
	@mkdir -p $(@D)
	$(call tsan_link,$(call lo,exercises/$*.c,tsan),$*)
$(B)/sol/%.tsan: tests/%.tsan.c $$(call lo,solutions/$$*.c,tsan) $(B)/tsan/lib.a $$(wildcard exercises/$$(dir $$*)*.h) $(B)/sum/sol/%.sum
	@mkdir -p $(@D)
	$(call tsan_link,$(call lo,solutions/$*.c,tsan),$*)
$(B)/mut/%.tsan: $$(call lo,$$(call mut_src,$$*),tsan) tests/$$(call mut_ex,$$*).tsan.c $(B)/tsan/lib.a
	@mkdir -p $(@D)
	$(call tsan_link,$(call lo,$(call mut_src,$*),tsan),$(call mut_ex,$*))

# The patch is made against the solution without its book markers, which
# are not code: a listing can move without breaking every mutant of it.
# --fuzz=0: a patch that no longer fits fails loudly instead of guessing.
$(B)/mutsrc/%.c: tests/%.patch solutions/$$(call mut_ex,$$*).c
	@mkdir -p $(@D)
	sed -E '/^\s*\/\/ \[(snippet|end) [^]]*\]\s*$$/d' solutions/$(call mut_ex,$*).c > $@.orig
	patch --fuzz=0 --quiet --no-backup-if-mismatch -r - -o $@ $@.orig < $<

# Content stamps: a file put back with an older date (git checkout, cp -p)
# must still be rebuilt, so the binaries depend on a checksum of their
# sources that changes only when the contents do.
stamp = @mkdir -p $(@D); cat $1 2>/dev/null | md5sum > $@.$$$$.new; \
        cmp -s $@.$$$$.new $@ || mv $@.$$$$.new $@; rm -f $@.$$$$.new
sources_of = $1/$2.c tests/$2.c tests/$2.tsan.c exercises/$(dir $2)*.h tests/$(dir $2)*.h
$(B)/sum/check/%.sum: FORCE
	$(call stamp,$(call sources_of,exercises,$*))
$(B)/sum/sol/%.sum: FORCE
	$(call stamp,$(call sources_of,solutions,$*))
$(B)/sum/test/%.sum: FORCE
	$(call stamp,tests/$*.c exercises/$(dir $*)*.h tests/$(dir $*)*.h)
.PHONY: FORCE

$(B)/testobj/%.o: tests/%.c $(HEADERS) $$(wildcard exercises/$$(dir $$*)*.h tests/$$(dir $$*)*.h) \
                  $(B)/sum/test/%.sum
	@mkdir -p $(@D)
	$(call test_cc,,$*) $(call test_o,$<) -c $< -o $@.$$$$.tmp && mv -f $@.$$$$.tmp $@

$(B)/check/%: $(B)/testobj/%.o $(B)/testobj/%.tests $$(call lo,exercises/$$*.c,san) $(B)/san/lib.a \
              $$(wildcard exercises/$$(dir $$*)*.h) $(B)/sum/check/%.sum $$(call tsan_of,same,$$*,$(B)/check/$$*)
	@mkdir -p $(@D)
	$(call test_link,$(call lo,exercises/$*.c,san),$*)
$(B)/sol/%: $(B)/testobj/%.o $(B)/testobj/%.tests $$(call lo,solutions/$$*.c,san) $(B)/san/lib.a \
            $$(wildcard exercises/$$(dir $$*)*.h) $(B)/sum/sol/%.sum $$(call tsan_of,same,$$*,$(B)/sol/$$*)
	@mkdir -p $(@D)
	$(call test_link,$(call lo,solutions/$*.c,san),$*)
# A mutant's race-check driver (build/mut/X.tsan) is not a prerequisite:
# a mutant runs only the tests it names, and 13 of the 69 mutants of an
# exercise with a driver name the one test that runs it.  make test asks
# for it where they do; its absence fails that test with the command.
$(B)/mut/%: $$(call lo,$$(call mut_src,$$*),san) $(B)/testobj/$$(call mut_ex,$$*).o \
            $(B)/testobj/$$(call mut_ex,$$*).tests $(B)/san/lib.a
	@mkdir -p $(@D)
	$(call test_link,$(call lo,$(call mut_src,$*),san),$(call mut_ex,$*))

# Private tests, tests/NN-slug/hidden/X.c: kept out of `make dist`, run by
# `make check` here and by the autograder bundle.  They are a second test
# binary linked with the same learner code (build/hidden/check/NN-slug/X,
# build/hidden/sol/NN-slug/X) and may include the chapter's test helpers.
# gr_assert_no_race() in a private test runs hidden/X.tsan.c if there is
# one, else the public driver tests/NN-slug/X.tsan.c.
hid          = tests/$(dir $1)hidden/$(notdir $1)
hid_tsan_src = $(firstword $(wildcard $(call hid,$1).tsan.c tests/$1.tsan.c))
hid_tsan     = $(if $(call hid_tsan_src,$2),$1/$2.tsan)
hid_sources  = $1/$2.c $(call hid,$2).c $(call hid,$2).tsan.c tests/$2.tsan.c \
               exercises/$(dir $2)*.h tests/$(dir $2)*.h tests/$(dir $2)hidden/*.h
hidden_cc    = $(CC) $(TEST_CFLAGS) $(TEST_G) -Iexercises/$(dir $2) -Itests/$(dir $2) -DEXERCISE='"$2"'
hidden_link  = $(hidden_cc) $(B)/hidden/testobj/$2.o $1 $(B)/san/lib.a $(TEST_LDLIBS) -o $@
hidden_tsan  = $(CC) $(TSAN_CFLAGS) -Iexercises/$(dir $2) -Itests/$(dir $2) \
               $(call hid_tsan_src,$2) $1 $(B)/tsan/lib.a $(LDLIBS) -o $@

$(B)/sum/hcheck/%.sum: FORCE
	$(call stamp,$(call hid_sources,exercises,$*))
$(B)/sum/hsol/%.sum: FORCE
	$(call stamp,$(call hid_sources,solutions,$*))
$(B)/sum/htest/%.sum: FORCE
	$(call stamp,$(call hid,$*).c exercises/$(dir $*)*.h tests/$(dir $*)*.h tests/$(dir $*)hidden/*.h)

$(B)/hidden/testobj/%.o: $$(call hid,$$*).c $(HEADERS) $(B)/sum/htest/%.sum
	@mkdir -p $(@D)
	$(call hidden_cc,,$*) $(call test_o,$<) -c $< -o $@.$$$$.tmp && mv -f $@.$$$$.tmp $@
$(B)/hidden/testobj/%.tests: $(B)/hidden/testobj/%.o $(B)/san/lib.a $(B)/contract/$$(call ex_chapter,$$*).keep
	$(call list_tests,$<,$*)

$(B)/hidden/check/%.tsan: $$(call hid_tsan_src,$$*) $$(call lo,exercises/$$*.c,tsan) $(B)/tsan/lib.a $(B)/sum/hcheck/%.sum
	@mkdir -p $(@D)
	$(call hidden_tsan,$(call lo,exercises/$*.c,tsan),$*)
$(B)/hidden/sol/%.tsan: $$(call hid_tsan_src,$$*) $$(call lo,solutions/$$*.c,tsan) $(B)/tsan/lib.a $(B)/sum/hsol/%.sum
	@mkdir -p $(@D)
	$(call hidden_tsan,$(call lo,solutions/$*.c,tsan),$*)
$(B)/hidden/check/%: $(B)/hidden/testobj/%.o $(B)/hidden/testobj/%.tests $$(call lo,exercises/$$*.c,san) \
                     $(B)/san/lib.a $(B)/sum/hcheck/%.sum $$(call hid_tsan,$(B)/hidden/check,$$*)
	@mkdir -p $(@D)
	$(call hidden_link,$(call lo,exercises/$*.c,san),$*)
$(B)/hidden/sol/%: $(B)/hidden/testobj/%.o $(B)/hidden/testobj/%.tests $$(call lo,solutions/$$*.c,san) \
                   $(B)/san/lib.a $(B)/sum/hsol/%.sum $$(call hid_tsan,$(B)/hidden/sol,$$*)
	@mkdir -p $(@D)
	$(call hidden_link,$(call lo,solutions/$*.c,san),$*)

# The grader's own tests.
$(B)/grader/%.tsan: grader/tests/%.tsan.c $(B)/tsan/lib.a
	@mkdir -p $(@D)
	$(CC) $(TSAN_CFLAGS) $< $(B)/tsan/lib.a $(LDLIBS) -o $@
$(B)/grader/%: grader/tests/%.c $(B)/san/lib.a $$(if $$(wildcard grader/tests/$$*.tsan.c),$(B)/grader/$$*.tsan)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(TEST_G) -DEXERCISE='"grader/$*"' $< $(B)/san/lib.a $(TEST_LDLIBS) -o $@

## ---- figures and the book ----------------------------------------------

GNUPLOT_TERM := set terminal svg size 760,460 dynamic enhanced font 'DejaVu Sans,13' background rgb 'white'

$(B)/plots/%.svg: plots/%.gp plots/%.dat
	@mkdir -p $(@D)
	gnuplot -e "$(GNUPLOT_TERM); set output '$@'; datafile='plots/$*.dat'" $<
	$(PYTHON) tools/svgfix.py $@

# A "[" that never closes (a half-open range such as [0, 100), unescaped)
# sends pandoc 2.17's Markdown reader scanning ahead for its "]", at a cost
# that grows with all the text after it: one in the instructors' guide
# took the book's read from 1.7 s to 13.6 s here.  Write "\[0, 100)";
# make test (stage d) names any such "[" in the book's Markdown.
PANDOC_READ  := --from markdown --lua-filter tools/snippets.lua --resource-path=. \
                --metadata-file=tools/book.yaml
PANDOC_WRITE := --standalone --number-sections --highlight-style=tango
PANDOC_FLAGS := $(PANDOC_READ) $(PANDOC_WRITE) --toc --toc-depth=2

# Every listing resolves, without building the book (the student copy in
# make test; make test itself reads the book once, into build/book.json).
# One read of the whole book, to JSON: the native format took three
# times as long to write (5 s to 6 s against 1.6 s to 1.9 s here).
$(B)/listings.ok: $(BOOK_MD) $(LISTED) tools/snippets.lua
	@mkdir -p $(@D)
	pandoc $(PANDOC_READ) --to json -o /dev/null $(BOOK_MD)
	@touch $@

# The book is read once (the filter pulls in every listing and measured
# value) and written twice from that: as one self-contained page, which is
# also the PDF's source, and as the chapter pages of build/html/, which
# tools/htmlbook.py cuts from one pandoc output (sidebar, search index).
# build/book.reads lists the files that read used (tools/snippets.lua):
# make test holds the student copy's to them instead of reading it again.
$(B)/book.json: $(BOOK_MD) $(LISTED) $(wildcard plots/*/*.dat docs/data/*.dat) tools/snippets.lua tools/book.yaml
	@mkdir -p $(@D)
	@rm -f $(B)/book.reads
	SNIPPETS_READS=$(B)/book.reads pandoc $(PANDOC_READ) --to json -o $@ $(BOOK_MD)

$(B)/book.html: $(B)/book.json $(FIGURES) tools/book.css
	pandoc --from json $(PANDOC_WRITE) --toc --toc-depth=2 --to html5 --self-contained \
	       --css tools/book.css -o $@ $<

HTML_SITE := tools/htmlbook.py tools/book.css $(wildcard tools/book/*)
$(B)/html/index.html: $(B)/book.json $(FIGURES) $(HTML_SITE)
	pandoc --from json $(PANDOC_WRITE) --section-divs --template tools/book/fragment.html \
	       --to html5 -o $(B)/book.frag.html $<
	$(PYTHON) tools/htmlbook.py $(B)/book.frag.html $(B)/html

$(B)/book.pdf: $(B)/book.html
	weasyprint $< $@ 2> >(grep -v '^WARNING: Ignored\|^WARNING: Expected a media\|^WARNING: Invalid media' >&2)

## ---- the course kit: distribution, autograders, learner help ----------
# Which exercises count, and their points, come from course.conf (or the
# file COURSE_CONF names): make dist, make check and make gradescope all
# read it.  See docs/instructors.md.

.PHONY: dist gradescope hint watch fairness
dist:
	@$(PYTHON) tools/dist.py dist
gradescope:
	@$(PYTHON) tools/dist.py gradescope
hint:
	@$(PYTHON) tools/hint.py "$(EX)" $(if $(RESET),--reset)
watch:
	@bash tools/watch.sh "$(EX)"
.PHONY: trace
trace:  # what each worker did in one sampled run of the speedup test; SOL=1: the solution's
	@$(if $(SOL),TRACE_TREE=sol )$(PYTHON) tools/trace.py "$(EX)"
.PHONY: similarity classview regrade
similarity:  # SUBMISSIONS="dir ..." (one folder per student); BASELINE=1 re-measures docs/data/similarity.dat
	@$(PYTHON) tools/similarity.py $(SUBMISSIONS) $(if $(EX),--ex $(EX)) $(if $(BASELINE),--baseline docs/data/similarity.dat)
classview:   # RESULTS="dir ..." (results.json files, or folders of them)
	@$(PYTHON) tools/classview.py $(or $(RESULTS),$(B)/results) --out $(B)/classview
regrade:     # EX=NN-slug/name [SUBMISSION=file.c] [N=5] [SEED=n]
	@$(if $(SEED),GRADER_SEED=$(SEED)) $(PYTHON) tools/regrade.py "$(EX)" -n $(or $(N),5) $(if $(SUBMISSION),--submission "$(SUBMISSION)")
fairness:
	@bash tools/fairness.sh
.PHONY: falsefails
falsefails:  # FALSEFAILS_RUNS=n (100); writes docs/data/falsefails.dat
	@$(PYTHON) tools/falsefails.py
