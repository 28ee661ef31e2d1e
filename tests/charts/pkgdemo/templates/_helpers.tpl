{{- define "pkgdemo.name" -}}{{ .Chart.Name }}{{- end -}}
