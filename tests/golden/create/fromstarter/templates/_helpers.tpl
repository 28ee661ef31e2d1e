{{- define "fromstarter.fullname" -}}{{ .Release.Name }}-{{ .Values.nameOverride }}{{- end -}}
