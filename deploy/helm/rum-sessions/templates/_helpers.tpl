{{/* Names: <release>-rum-sessions, or the release name when it already says rum-sessions. */}}
{{- define "rum-sessions.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rum-sessions.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The headless Service (one DNS record per ready pod): the load_balancing exporter's target. */}}
{{- define "rum-sessions.headlessName" -}}
{{- printf "%s-headless" (include "rum-sessions.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rum-sessions.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rum-sessions.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "rum-sessions.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "rum-sessions.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: rum-sessions
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "rum-sessions.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end }}

{{- define "rum-sessions.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "rum-sessions.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The processor's configuration file: the user's `config` with the chart's ports and state
directory on top (the probes, Services and volume depend on them).
*/}}
{{- define "rum-sessions.config" -}}
{{- $chart := dict
      "receiver" (dict "grpc-port" (int .Values.ports.otlpGrpc) "http-port" (int .Values.ports.otlpHttp))
      "metrics" (dict "port" (int .Values.ports.metrics))
      "state" (dict "dir" .Values.persistence.mountPath) -}}
{{- $config := mustMergeOverwrite (deepCopy (.Values.config | default dict)) $chart -}}
{{- toYaml $config }}
{{- end }}
