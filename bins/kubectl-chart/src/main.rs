//! `kubectl chart`: argument parsing and output only; the work happens in the kubehelm library.

fn main() {
    eprintln!("kubectl chart: not implemented yet");
    std::process::exit(1);
}
