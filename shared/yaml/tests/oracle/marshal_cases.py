import json, random
random.seed(42)
strs = ["yes","Yes","no","on","off","y","n","Y","N","true","false","null","Null","~","","0755","08","1_000","0x1F","0b1","1.0","1e3","1:20","190:20:30.15","-1:20","1:2a","2001-12-14","2001-12-14 21:59:43.10","2001-12-14T21:59:43Z",
 ".inf",".nan","-.inf","+1","-","--","---","----","...","....","- a","-a","a: b","a:b",":x",": x","=","<<","a#b","a #b","#x","?x","? x","!x","&x","*x","|x",">x","%x","@x","`x","'x","\"x","x'","x\"","[x","]x","{x","}x",",x","x,","x[","x]",
 " leading","trailing "," both ","a  b","a\tb","\t","\r","a\rb","😀","a😀b","\u00a0","a\u00a0b","\u2028","a\u2028b","\u0085","a\u0085b","\ufeff","a\ufeffb","\u007f","\x01","\x00","é","ß","日本語","\\","a\\b","\"","'","''",
 "a\nb","a\n","a\n\n","\n","\n\n","\na"," a\nb","a \nb","a\n b","a\n\nb","a\n \nb","\ta\nb","a\tb\nc","line1\nline2\nline3\n","a\r\nb","😀\nx","a\u2028b\nc","- a\nb","#\n",
 "10.0.0.1","1.2.3","1.","-.5",".5","+.5","1e400","0o17","0x","0b","0o","1__0","_1","1_","9007199254740993","18446744073709551616"]
long_words = " ".join(["word%d" % i for i in range(40)])
strs += [long_words, "x" * 100, "x" * 100 + " y", "a " * 60, ("ab " * 50).strip(), "a  " * 40 + "b", "- " + long_words, "#" + long_words, long_words + "\t", "\t" + long_words, "yes " + long_words.replace(" ", "  "),
         long_words + "\n" + long_words, "'" + long_words, "a" * 79 + " b c", "a" * 80 + " b c", "a" * 81 + " b c", " " + long_words, "x: " + long_words, ("a\u00e9 " * 40), "😀 " * 50, "a b\n" * 3 + long_words]
cases = []
cases.append(strs)  # bare strings, one case each
for s in strs:
    cases.append({"k": s})
    cases.append([s])
    cases.append({s: 1})
nums = [0, 1, -1, 3.0, 1e6, 1e21, 1e20, 1e-7, 1e-6, 2.5e-5, -0.0, 0.1, 0.5, 1234567.5, 123456789.0, 1.7976931348623157e308, 5e-324, 123456789012, 9007199254740993, 9223372036854775807, 9223372036854775808, 18446744073709551615, 18446744073709551616, 1e100, -1e21, 3.14159, 100000.0, 1000000.5, 1e15 + 0.5, 0.000001, 0.0000012345, 12345678.9]
for n in nums:
    cases.append({"n": n})
    cases.append([n])
cases += [None, True, False, {}, [], {"a": {}}, {"a": []}, {"a": None}, [None], [[]], [{}], [[1, 2], [3]], [{"a": 1, "b": 2}], {"a": [1, 2]}, {"a": [[1], [2, [3]]]}, {"a": [{"b": [{"c": 1}]}]},
          {"a": {"b": {"c": {"d": "e"}}}}, [[[["deep"]]]], {"a": ["x\ny"]}, ["x\ny", "z"], {"a": {"b": "x\ny\n"}}, [{"a": "x\ny"}], {"k" * 128: 1}, {"k" * 129: 1}, {"k" * 129: {"a": 1}}, {"k" * 129: [1, 2]}, {"k" * 200: "v\nw"},
          {"a\nb": 1}, {"a\nb": {"c": 1}}, {"": 1}, {" ": 1}, {"a b": 1}, {"a: b": 1}, {"- a": 1}, {"yes": 1}, {"1": 1}, {"😀": 1}, {"a\tb": 1}, {"x" * 100: "y" * 100}, {"k": long_words}, {"k": {"k2": {"k3": long_words}}}, [[long_words]], {long_words: 1}]
sortkeys = ["1","01","2","10","a1","a2","a10","x1y2","x1y10","x01","x001","","_x","~","B","Z","a","b","A","aa","a_","a-","a.","-a","0","00","000","001","0a","1a","a0","a00","a01","é","É","ß","z","Ω","日","9","99","100","1.5","1.10","v1.2.3","v1.10.0","-1","+1",".","..","a b","a  b"]
cases.append({k: i for i, k in enumerate(sortkeys)})
shuf = sortkeys[:]
for _ in range(5):
    random.shuffle(shuf)
    cases.append({k: 0 for k in shuf[:20]})
pool = strs[:60] + ["name", "image", "tag", "replicas", "enabled", "port", "annotations", "labels", "app.kubernetes.io/name", "resources", "limits", "cpu", "memory", "100m", "128Mi", "1Gi", "nginx", "latest", "true", "IfNotPresent"]
def rnd(depth):
    r = random.random()
    if depth > 3 or r < 0.35:
        t = random.random()
        if t < 0.45: return random.choice(pool)
        if t < 0.6: return random.choice([0, 1, 2, 80, 443, 8080, -5, 1.5, 0.25, 1e6, 3.0, 1e-9, 65536])
        if t < 0.7: return random.choice([True, False])
        if t < 0.75: return None
        return "".join(random.choice("abc xyz\n:-#'\"é") for _ in range(random.randint(0, 12)))
    if r < 0.6:
        return [rnd(depth + 1) for _ in range(random.randint(0, 4))]
    return {random.choice(pool): rnd(depth + 1) for _ in range(random.randint(0, 5))}
for _ in range(300):
    cases.append(rnd(0))
cases = cases[0] + cases[1:]  # the bare strings become one case each
json.dump(cases, open("/work/oracle/gen/marshal.json", "w"))
print(len(cases))
