{{- define "<CHARTNAME>.fullname" -}}{{ .Release.Name }}-{{ .Values.nameOverride }}{{- end -}}
