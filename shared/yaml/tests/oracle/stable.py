# Run the oracle N times; keep only cases whose answer is identical every time.
import json, subprocess, sys
mode, src, dst = sys.argv[1:4]
runs = [subprocess.run(["/work/oracle/yaml/oracle", mode, src], capture_output=True, text=True, check=True).stdout.split("\n")[:-1] for _ in range(12)]
kept = dropped = 0
with open(dst, "w") as f:
    for lines in zip(*runs):
        if all(l == lines[0] for l in lines):
            f.write(lines[0] + "\n"); kept += 1
        else:
            dropped += 1
print(mode, "kept", kept, "dropped (Go nondeterministic)", dropped)
