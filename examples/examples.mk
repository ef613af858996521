# examples/examples.mk - placeholder until its owner fills it in
.PHONY: examples
examples:
