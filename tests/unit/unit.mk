# tests/unit/unit.mk - placeholder until its owner fills it in
.PHONY: test-unit
test-unit:
