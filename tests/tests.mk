# tests.mk - every test: CUnit host units, QEMU system tests, hostile guests, the hypercall fuzzer, Bochs. `make check` runs them all.
include tests/unit/unit.mk
include tests/hostile/hostile.mk
include tests/fuzz/fuzz.mk
include tests/net/net.mk
include tests/system/system.mk
include tests/guest/guest.mk

.PHONY: check test-layers
check: test-layers test-unit test-system

# The kernel's includes against its layer map (isokernel/LAYERS.md).
test-layers:
	$(Q)python3 scripts/layers.py isokernel

# The kernel's Ed25519/SHA-512 booted with selftest_verify=50 (tests/system/test_crypto.sh).
.PHONY: test-crypto
test-crypto: kernel examples runner
	$(ST_RUN) crypto
# Tenants (issue 12): per-tenant networks and CPU shares (tests/system/test_tenantnet.sh, test_cpushare.sh).
.PHONY: test-tenantnet test-cpushare
test-tenantnet: kernel examples runner net-guests
	$(ST_RUN) tenantnet
test-cpushare: kernel runner guest-tests
	$(ST_RUN) cpushare
# `make bench-tenant`: what tenants cost, in instructions under -icount (bench/tenant.sh -> build/results/tenant.json;
# BASE_KERNEL=path measures a kernel without tenants beside it).
.PHONY: bench-tenant
bench-tenant: kernel runner net-guests guest-tests bench-images
	$(Q)BASE_KERNEL=$(BASE_KERNEL) sh bench/tenant.sh $(B)
