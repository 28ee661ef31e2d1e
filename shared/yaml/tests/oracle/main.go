// Oracle: reads a JSON array of cases from a file; mode parse|parseall|marshal|pretty.
// Prints one JSON object per case per line.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"

	yaml2 "go.yaml.in/yaml/v2"
	yaml3 "go.yaml.in/yaml/v3"
	sigs "sigs.k8s.io/yaml"
)

type out struct {
	In   interface{}     `json:"in"`
	Ok   json.RawMessage `json:"ok,omitempty"`
	Err  *string         `json:"err,omitempty"`
	Text *string         `json:"text,omitempty"`
}

func conv(v interface{}) (interface{}, error) {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := map[string]interface{}{}
		for k, val := range t {
			var ks string
			switch tk := k.(type) {
			case string:
				ks = tk
			case int:
				ks = strconv.Itoa(tk)
			case int64:
				ks = strconv.FormatInt(tk, 10)
			case float64:
				ks = strconv.FormatFloat(tk, 'g', -1, 32)
				switch ks {
				case "+Inf":
					ks = ".inf"
				case "-Inf":
					ks = "-.inf"
				case "NaN":
					ks = ".nan"
				}
			case bool:
				if tk {
					ks = "true"
				} else {
					ks = "false"
				}
			default:
				return nil, fmt.Errorf("unsupported map key of type: %s, key: %+#v, value: %+#v", reflect.TypeOf(k), k, val)
			}
			c, err := conv(val)
			if err != nil {
				return nil, err
			}
			m[ks] = c
		}
		return m, nil
	case []interface{}:
		a := make([]interface{}, len(t))
		for i, e := range t {
			c, err := conv(e)
			if err != nil {
				return nil, err
			}
			a[i] = c
		}
		return a, nil
	}
	return v, nil
}

func main() {
	mode := os.Args[1]
	b, _ := os.ReadFile(os.Args[2])
	var cases []interface{}
	if err := json.Unmarshal(b, &cases); err != nil {
		panic(err)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for _, c := range cases {
		o := out{In: c}
		switch mode {
		case "parse":
			var v interface{}
			if err := sigs.Unmarshal([]byte(c.(string)), &v); err != nil {
				s := err.Error()
				o.Err = &s
			} else {
				j, _ := json.Marshal(v)
				o.Ok = j
			}
		case "parseall":
			d := yaml2.NewDecoder(bytes.NewReader([]byte(c.(string))))
			var docs []interface{}
			var e error
			for {
				var v interface{}
				err := d.Decode(&v)
				if err == io.EOF {
					break
				}
				if err != nil {
					e = fmt.Errorf("error converting YAML to JSON: %w", err)
					break
				}
				cv, err := conv(v)
				if err != nil {
					e = fmt.Errorf("error converting YAML to JSON: %w", err)
					break
				}
				jb, err := json.Marshal(cv)
				if err != nil {
					e = fmt.Errorf("error converting YAML to JSON: %w", err)
					break
				}
				var back interface{}
				json.Unmarshal(jb, &back)
				docs = append(docs, back)
			}
			if e != nil {
				s := e.Error()
				o.Err = &s
			} else {
				if docs == nil {
					docs = []interface{}{}
				}
				j, _ := json.Marshal(docs)
				o.Ok = j
			}
		case "marshal":
			y, err := sigs.Marshal(c)
			if err != nil {
				s := err.Error()
				o.Err = &s
			} else {
				s := string(y)
				o.Text = &s
			}
		case "pretty":
			var buf bytes.Buffer
			e := yaml3.NewEncoder(&buf)
			e.SetIndent(2)
			if err := e.Encode(c); err != nil {
				s := err.Error()
				o.Err = &s
			} else {
				s := buf.String()
				o.Text = &s
			}
		}
		if err := enc.Encode(o); err != nil {
			panic(err)
		}
	}
}
