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
{{- $messages = append $messages (include "base.validate.typeSwitch" .) }}
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

{{/*
Kind of the component's workload in the cluster: "StatefulSet", "Deployment"
or "" when there is none. lookup returns nothing under `helm template` and
client-side dry runs, so there this is always "".
*/}}
{{- define "base.deployedWorkloadKind" -}}
{{- $fullname := include "base.fullname" . }}
{{- if lookup "apps/v1" "StatefulSet" .Release.Namespace $fullname }}StatefulSet
{{- else if lookup "apps/v1" "Deployment" .Release.Namespace $fullname }}Deployment
{{- end }}
{{- end }}

{{/*
A switch between a StatefulSet type and a Deployment type changes how the data
volume is mounted: a StatefulSet makes one claim per instance from a template,
a Deployment mounts one claim the chart creates. Done on a running component,
the new pods may start on an empty volume, so the switch needs the user's
explicit acknowledgement after the component is stopped and backed up.
*/}}
{{- define "base.validate.typeSwitch" -}}
{{- $deployed := include "base.deployedWorkloadKind" . }}
{{- $wanted := ternary "StatefulSet" "Deployment" (eq (include "base.isStateful" .) "true") }}
{{- if and $deployed (ne $deployed $wanted) (not .Values.typeSwitch.acknowledge) }}
{{- $fullname := include "base.fullname" . }}
{{- $ns := .Release.Namespace }}
{{- printf "typeSwitch.acknowledge: release %q runs %s %s, and deploymentType %s would replace it with a %s, which mounts its data volume differently. Before you switch:\n  1. Stop the component: kubectl scale %s/%s --replicas=0 -n %s\n  2. Back up its data (each claim data-%s-<ordinal>).\n  3. See what happens to each volume: chartgen check-upgrade CHART --release %s --to NEW_VALUES\n  4. Upgrade again with --set typeSwitch.acknowledge=true" .Release.Name $deployed $fullname .Values.deploymentType $wanted (lower $deployed) $fullname $ns $fullname .Release.Name }}
{{- end }}
{{- end }}
