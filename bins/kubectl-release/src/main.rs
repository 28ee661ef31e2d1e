//! `kubectl release`: argument parsing and output only; the work happens in the kubehelm library.

fn main() {
    eprintln!("kubectl release: not implemented yet");
    std::process::exit(1);
}
