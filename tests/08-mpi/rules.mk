# tests/08-mpi/rules.mk: building chapter 8's MPI exercises.
#
# The learner's code includes <mpi.h>, so the Criterion binary of each
# exercise compiles with mpicc.  Its tests never call that code in
# process: they run a second program under mpirun, NAME.mpi, built here
# from the exercise's driver (tests/08-mpi/NAME.mpi.c), the code under
# test and the grader's rank-side harness, with the same sanitizers as
# every test.  The Criterion binary depends on its driver, the way it
# depends on its ThreadSanitizer driver elsewhere.
MPICC ?= mpicc
$(B)/check/08-mpi/%: CC := $(MPICC)
$(B)/sol/08-mpi/%: CC := $(MPICC)
$(B)/mut/08-mpi/%: CC := $(MPICC)
$(B)/testobj/08-mpi/%: CC := $(MPICC)
$(B)/contract/08-mpi.keep: CC := $(MPICC)
$(B)/lo/exercises/08-mpi/%: CC := $(MPICC)
$(B)/lo/solutions/08-mpi/%: CC := $(MPICC)
$(B)/lo/tests/08-mpi/%: CC := $(MPICC)
$(B)/lo/$(B)/mutsrc/08-mpi/%: CC := $(MPICC)

MPI_HARNESS := grader/mpi/harness.c grader/mpi/harness.h grader/mpi_trace.h

# $1: the learner's vetted object, $2: the exercise (08-mpi/NAME)
mpi_link = $(MPICC) $(TEST_CFLAGS) -Igrader/mpi -Iexercises/$(dir $2) \
           tests/$2.mpi.c $1 grader/mpi/harness.c $(B)/san/lib.a $(LDLIBS) -o $@

$(B)/check/08-mpi/%.mpi: tests/08-mpi/%.mpi.c $$(call lo,exercises/08-mpi/$$*.c,san) $(MPI_HARNESS) \
                         $(HEADERS) $(B)/san/lib.a $(B)/sum/check/08-mpi/%.sum
	@mkdir -p $(@D)
	$(call mpi_link,$(call lo,exercises/08-mpi/$*.c,san),08-mpi/$*)
$(B)/sol/08-mpi/%.mpi: tests/08-mpi/%.mpi.c $$(call lo,solutions/08-mpi/$$*.c,san) $(MPI_HARNESS) \
                       $(HEADERS) $(B)/san/lib.a $(B)/sum/sol/08-mpi/%.sum
	@mkdir -p $(@D)
	$(call mpi_link,$(call lo,solutions/08-mpi/$*.c,san),08-mpi/$*)
$(B)/mut/08-mpi/mutants/%.mpi: $$(call lo,$$(call mut_src,08-mpi/mutants/$$*),san) \
                               tests/08-mpi/$$(firstword $$(subst --, ,$$*)).mpi.c \
                               $(MPI_HARNESS) $(HEADERS) $(B)/san/lib.a
	@mkdir -p $(@D)
	$(call mpi_link,$(call lo,$(call mut_src,08-mpi/mutants/$*),san),08-mpi/$(firstword $(subst --, ,$*)))

# Each test binary needs its driver next to it.
MPI_EXERCISES := $(patsubst tests/08-mpi/%.mpi.c,%,$(wildcard tests/08-mpi/*.mpi.c))
MPI_MUTANTS := $(basename $(notdir $(wildcard tests/08-mpi/mutants/*.c tests/08-mpi/mutants/*.patch)))
$(foreach e,$(MPI_EXERCISES),$(eval $(B)/check/08-mpi/$e: $(B)/check/08-mpi/$e.mpi))
$(foreach e,$(MPI_EXERCISES),$(eval $(B)/sol/08-mpi/$e: $(B)/sol/08-mpi/$e.mpi))
$(foreach m,$(MPI_MUTANTS),$(eval $(B)/mut/08-mpi/mutants/$m: $(B)/mut/08-mpi/mutants/$m.mpi))

# The grader's own test of grader/mpijob.c runs a small MPI program that
# finishes, deadlocks, crashes or stops at a TODO on request.
$(B)/grader/mpi-selftest: grader/mpi/selftest.c $(MPI_HARNESS) $(HEADERS) $(B)/san/lib.a
	@mkdir -p $(@D)
	$(MPICC) $(TEST_CFLAGS) -Igrader/mpi $< grader/mpi/harness.c $(B)/san/lib.a $(LDLIBS) -o $@
$(B)/grader/mpijob: $(B)/grader/mpi-selftest
