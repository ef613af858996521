# loadgen/loadgen.mk - placeholder until its owner fills it in
.PHONY: runner
runner:
