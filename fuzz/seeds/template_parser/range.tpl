{{ range $k, $v := .Values }}{{ $k }}: {{ $v | toJson }}
{{ end }}