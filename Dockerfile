# Dockerfile: the machine this book is written and tested on (Debian 12),
# for learners on macOS or Windows and for GitHub Codespaces (see
# .devcontainer/devcontainer.json, which builds it).  Its steps are the
# ones CI runs (.github/workflows/test.yml, .ci/run): install make, then
# `make deps`, which installs every other package from Debian.
#
#     docker build -t concurrency-in-c .
#     docker run --rm -it --cap-add=SYS_PTRACE -v "$PWD":/work concurrency-in-c
#     make check          # inside the container
#
# SYS_PTRACE: LeakSanitizer, which the grader uses, stops the program with
# ptrace to scan its memory.  Speedup tests need two or more CPUs given to
# the container (Docker Desktop's settings).  Untested on a real engine
# here: `make test` checks this file statically (tools/maintainer_test.py).
FROM debian:12

# What CI installs before `make deps`: make itself.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends make ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/*

# `make deps` needs only these two files; copying them alone keeps the
# packages in their own layer, rebuilt only when the list changes.
WORKDIR /work
COPY Makefile ./
COPY tools/deps.sh tools/
RUN make deps && rm -rf /var/lib/apt/lists/*

COPY . .
CMD ["bash"]
