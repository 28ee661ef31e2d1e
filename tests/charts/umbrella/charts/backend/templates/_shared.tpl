{{- define "backend.shared" -}}
shared-from-backend-{{ .Values.global.env }}
{{- end -}}
