# kubectl chart · kubectl release · kubectl repo: build, test and release archives.
#
#   make build    the three plugins (target/release/kubectl-{chart,release,repo})
#   make test     every test (tests/run-all: installs and starts what the tests need)
#   make dist     target/dist/: kubectl-PLUGIN_vVERSION_OS_ARCH.tar.gz per plugin and platform (the binary,
#                 its kubectl_complete-PLUGIN helper, LICENSE, README.md) and the krew manifests
#                 chart.yaml, release.yaml, repo.yaml with each archive's URL and sha256
#   make install  copies the plugins and their completion helpers into $(BINDIR) (default ~/.local/bin)
#
# Publishing: set DOWNLOAD_URL to where the archives will be served (the manifests' `uri`) and HOMEPAGE.

SHELL := /bin/sh
CARGO ?= cargo
PLUGINS := chart release repo
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
HOST := $(shell rustc -vV | sed -n 's/^host: //p')
# every target the installed toolchain can build (rustup), else the host
TARGETS ?= $(shell rustup target list --installed 2>/dev/null || echo $(HOST))
DIST := target/dist
HOMEPAGE ?= https://kubehelm.invalid/
DOWNLOAD_URL ?= https://kubehelm.invalid/releases/download/v$(VERSION)
BINDIR ?= $(HOME)/.local/bin

.PHONY: build test dist install clean-dist

build:
	$(CARGO) build --release --workspace

test:
	./tests/run-all

dist: build
	@rm -rf $(DIST) && mkdir -p $(DIST)/stage
	@set -e; for t in $(TARGETS); do \
	  case "$$t" in \
	    x86_64-unknown-linux-gnu|x86_64-unknown-linux-musl) plat=linux_amd64 ;; \
	    aarch64-unknown-linux-gnu|aarch64-unknown-linux-musl) plat=linux_arm64 ;; \
	    armv7-unknown-linux-gnueabihf) plat=linux_arm ;; \
	    x86_64-apple-darwin) plat=darwin_amd64 ;; \
	    aarch64-apple-darwin) plat=darwin_arm64 ;; \
	    x86_64-pc-windows-gnu|x86_64-pc-windows-msvc) plat=windows_amd64 ;; \
	    *) echo "skipping $$t: no krew platform for it"; continue ;; \
	  esac; \
	  if [ "$$t" = "$(HOST)" ]; then dir=target/release; \
	  else dir=target/$$t/release; $(CARGO) build --release --workspace --target "$$t"; fi; \
	  case "$$t" in *windows*) exe=.exe ;; *) exe= ;; esac; \
	  for p in $(PLUGINS); do \
	    name=kubectl-$${p}_v$(VERSION)_$$plat; stage=$(DIST)/stage/$$name; \
	    mkdir -p "$$stage"; \
	    cp "$$dir/kubectl-$$p$$exe" "$$stage/"; \
	    target/release/kubectl-$$p completion kubectl > "$$stage/kubectl_complete-$$p"; \
	    chmod 755 "$$stage/kubectl-$$p$$exe" "$$stage/kubectl_complete-$$p"; \
	    cp LICENSE README.md "$$stage/"; \
	    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$$stage" -cf - LICENSE README.md kubectl-$$p$$exe kubectl_complete-$$p \
	      | gzip -n -9 > "$(DIST)/$$name.tar.gz"; \
	    echo "$(DIST)/$$name.tar.gz"; \
	  done; \
	done
	@set -e; for p in $(PLUGINS); do \
	  ./krew/manifest "$$p" "$(VERSION)" "$(HOMEPAGE)" "$(DOWNLOAD_URL)" "$(DIST)" > "$(DIST)/$$p.yaml"; \
	  echo "$(DIST)/$$p.yaml"; \
	done
	@rm -rf $(DIST)/stage

install: build
	@mkdir -p "$(BINDIR)"
	@set -e; for p in $(PLUGINS); do \
	  install -m 755 target/release/kubectl-$$p "$(BINDIR)/"; \
	  target/release/kubectl-$$p completion install --dir "$(BINDIR)"; \
	done

clean-dist:
	rm -rf $(DIST)
