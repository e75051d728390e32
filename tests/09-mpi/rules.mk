# tests/09-mpi/rules.mk: building chapter 9's MPI exercises.
#
# The learner's code includes <mpi.h>, so the Criterion binary of each
# exercise compiles with mpicc.  Its tests never call that code in
# process: they run a second program under mpirun, NAME.mpi, built here
# from the exercise's driver (tests/09-mpi/NAME.mpi.c), the code under
# test and the grader's rank-side harness, with the same sanitizers as
# every test.  The Criterion binary depends on its driver, the way it
# depends on its ThreadSanitizer driver elsewhere.
MPICC ?= mpicc
# Compiles go through ccache wherever gcc's do (it keys on the wrapper and
# on every header read, as for gcc); links, which ccache cannot keep, and
# vet.py, which drops it, take the wrapper bare.
MPICC_CC := $(if $(filter ccache,$(CC)),ccache )$(MPICC)
$(B)/check/09-mpi/%: CC := $(MPICC)
$(B)/sol/09-mpi/%: CC := $(MPICC)
$(B)/mut/09-mpi/%: CC := $(MPICC)
$(B)/testobj/09-mpi/%: CC := $(MPICC_CC)
$(B)/contract/09-mpi.keep: CC := $(MPICC)
$(B)/lo/exercises/09-mpi/%: CC := $(MPICC_CC)
$(B)/lo/solutions/09-mpi/%: CC := $(MPICC_CC)
$(B)/lo/tests/09-mpi/%: CC := $(MPICC_CC)
$(B)/lo/$(B)/mutsrc/09-mpi/%: CC := $(MPICC_CC)

MPI_HARNESS := grader/mpi/harness.c grader/mpi/harness.h grader/mpi_trace.h

# The harness and each exercise's driver are compiled once, and cached,
# then linked with each learner object: the stub's, the solution's and
# each mutant's, in every copy that make test builds.  (Compiled in every
# link, they took 0.5 s of its 0.67 s, some twenty times a run.)
# (Renamed into place, as every object here: two makes may build one.)
mpi_cc  = $(MPICC_CC) $(TEST_CFLAGS) -Igrader/mpi $1 -c $< -o $@.$$$$.tmp && mv -f $@.$$$$.tmp $@
MPI_OBJ := $(B)/mpi/harness.o
$(MPI_OBJ): grader/mpi/harness.c $(MPI_HARNESS) $(HEADERS)
	@mkdir -p $(@D)
	$(call mpi_cc)
$(B)/mpi/09-mpi/%.mpi.o: tests/09-mpi/%.mpi.c $(MPI_HARNESS) $(HEADERS) \
                         $(wildcard exercises/09-mpi/*.h tests/09-mpi/*.h) $(B)/sum/test/09-mpi/%.mpi.sum
	@mkdir -p $(@D)
	$(call mpi_cc,-Iexercises/09-mpi/)

# $1: the learner's vetted object, $2: the exercise (09-mpi/NAME)
mpi_link = $(MPICC) $(TEST_CFLAGS) $(B)/mpi/$2.mpi.o $1 $(MPI_OBJ) $(B)/san/lib.a $(LDLIBS) -o $@

$(B)/check/09-mpi/%.mpi: $(B)/mpi/09-mpi/%.mpi.o $$(call lo,exercises/09-mpi/$$*.c,san) $(MPI_OBJ) \
                         $(B)/san/lib.a $(B)/sum/check/09-mpi/%.sum
	@mkdir -p $(@D)
	$(call mpi_link,$(call lo,exercises/09-mpi/$*.c,san),09-mpi/$*)
$(B)/sol/09-mpi/%.mpi: $(B)/mpi/09-mpi/%.mpi.o $$(call lo,solutions/09-mpi/$$*.c,san) $(MPI_OBJ) \
                       $(B)/san/lib.a $(B)/sum/sol/09-mpi/%.sum
	@mkdir -p $(@D)
	$(call mpi_link,$(call lo,solutions/09-mpi/$*.c,san),09-mpi/$*)
$(B)/mut/09-mpi/mutants/%.mpi: $$(call lo,$$(call mut_src,09-mpi/mutants/$$*),san) \
                               $(B)/mpi/09-mpi/$$(firstword $$(subst --, ,$$*)).mpi.o \
                               $(MPI_OBJ) $(B)/san/lib.a
	@mkdir -p $(@D)
	$(call mpi_link,$(call lo,$(call mut_src,09-mpi/mutants/$*),san),09-mpi/$(firstword $(subst --, ,$*)))

# Each test binary needs its driver next to it.
MPI_EXERCISES := $(patsubst tests/09-mpi/%.mpi.c,%,$(wildcard tests/09-mpi/*.mpi.c))
MPI_MUTANTS := $(basename $(notdir $(wildcard tests/09-mpi/mutants/*.c tests/09-mpi/mutants/*.patch)))
$(foreach e,$(MPI_EXERCISES),$(eval $(B)/check/09-mpi/$e: $(B)/check/09-mpi/$e.mpi))
$(foreach e,$(MPI_EXERCISES),$(eval $(B)/sol/09-mpi/$e: $(B)/sol/09-mpi/$e.mpi))
$(foreach m,$(MPI_MUTANTS),$(eval $(B)/mut/09-mpi/mutants/$m: $(B)/mut/09-mpi/mutants/$m.mpi))

# The grader's own test of grader/mpijob.c runs a small MPI program that
# finishes, deadlocks, crashes or stops at a TODO on request.
$(B)/grader/mpi-selftest: grader/mpi/selftest.c $(MPI_HARNESS) $(HEADERS) $(MPI_OBJ) $(B)/san/lib.a
	@mkdir -p $(@D)
	$(MPICC) $(TEST_CFLAGS) -Igrader/mpi $< $(MPI_OBJ) $(B)/san/lib.a $(LDLIBS) -o $@
$(B)/grader/mpijob: $(B)/grader/mpi-selftest
