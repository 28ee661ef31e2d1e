{{- define "errors.nil" }}{{ .Values.missing.inner }}{{ end }}
