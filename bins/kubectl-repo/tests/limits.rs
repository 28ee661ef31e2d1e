//! A server that sends more than any chart or index Helm accepts is refused before it fills memory,
//! with a message naming the limit, and nothing is written.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

#[test]
fn an_oversized_index_is_refused_and_nothing_is_written() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming().take(4) {
            let Ok(mut c) = conn else { continue };
            let mut buf = [0u8; 4096];
            let _ = c.read(&mut buf);
            // 3 MiB of a valid-looking index
            let mut body = b"apiVersion: v1\nentries: {}\n".to_vec();
            body.extend(std::iter::repeat_n(b'#', 3 << 20));
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = c.write_all(head.as_bytes());
            let _ = c.write_all(&body);
        }
    });
    let home = std::env::temp_dir().join(format!("kubehelm-limits-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-repo"))
        .args(["add", "big", &url])
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env("KUBEHELM_MAX_DOWNLOAD_MIB", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("larger than 1 MiB") && stderr.contains(&url), "{stderr}");
    assert!(!home.join("config/repositories.yaml").exists(), "repositories.yaml written");
    let cached = std::fs::read_dir(home.join("cache/repository")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(cached, 0, "nothing cached");
    let _ = std::fs::remove_dir_all(&home);
}
