{{/*
Checks that values.schema.json cannot express, because they depend on the
release name or compare two values. All messages are gathered into one
failure, so a user sees every problem at once.
*/}}
{{- define "base.validate" -}}
{{- $messages := list }}
{{- $messages = append $messages (include "base.validate.nameLength" .) }}
{{- $messages = append $messages (include "base.validate.autoscalingRange" .) }}
{{- $messages = append $messages (include "base.validate.servicePorts" .) }}
{{- $messages = without $messages "" }}
{{- if $messages }}
{{- fail (printf "\n%s" (join "\n" $messages)) }}
{{- end }}
{{- end }}

{{/*
A StatefulSet's name may be at most 52 characters, because the controller
appends "-" and a 10-character hash to it in the 63-character
controller-revision-hash label. Other object names may be at most 63.
*/}}
{{- define "base.validate.nameLength" -}}
{{- $fullname := include "base.fullname" . }}
{{- $limit := ternary 52 63 (eq (include "base.isStateful" .) "true") }}
{{- $kind := ternary "StatefulSet" "Deployment" (eq (include "base.isStateful" .) "true") }}
{{- $key := ternary "nameOverride" "fullnameOverride" (and (not .Values.fullnameOverride) (not (empty .Values.nameOverride))) }}
{{- if gt (len $fullname) $limit }}
{{- printf "%s: the %s name %q is %d characters, but at most %d fit. Shorten the release name %q, or set %s to something shorter." $key $kind $fullname (len $fullname) $limit .Release.Name $key }}
{{- end }}
{{- end }}

{{/*
An autoscaler whose minimum exceeds its maximum is rejected by the API server.
*/}}
{{- define "base.validate.autoscalingRange" -}}
{{- if include "base.isAutoscaled" . }}
{{- $min := int .Values.autoscaling.minReplicas }}
{{- $max := int .Values.autoscaling.maxReplicas }}
{{- if gt $min $max }}
{{- printf "autoscaling.minReplicas: %d is greater than autoscaling.maxReplicas (%d). Lower minReplicas or raise maxReplicas." $min $max }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The API server rejects a Service that lists the same port and protocol twice.
*/}}
{{- define "base.validate.servicePorts" -}}
{{- $seen := dict }}
{{- range .Values.service.ports }}
{{- $key := printf "%d/%s" (int .port) (.protocol | default "TCP") }}
{{- if hasKey $seen $key }}
{{- printf "service.ports: the port %s is listed twice. Give each Service port its own number." $key }}
{{- end }}
{{- $_ := set $seen $key true }}
{{- end }}
{{- end }}
