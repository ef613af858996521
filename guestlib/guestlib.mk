# guestlib/guestlib.mk - placeholder until its owner fills it in
.PHONY: guestlib
guestlib:
