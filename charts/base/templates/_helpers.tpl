{{/*
Names, labels and shared fragments of the component's objects.

Every define carries this chart's name as prefix: Helm keeps one global
namespace of template names across a parent chart and all its dependencies,
so two generated charts must never define the same name.
*/}}

{{/*
Chart name, or nameOverride. Used in the app.kubernetes.io/name label, whose
value may be at most 63 characters.
*/}}
{{- define "base.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Prefix of every object name: fullnameOverride, or the release name followed by
the chart name unless the release name already contains it. It is not
truncated, because a shortened name could collide with another release's;
"base.validate.nameLength" fails rendering when it is too long instead.
*/}}
{{- define "base.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trimSuffix "-" }}
{{- else }}
{{- $name := include "base.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, as used by the helm.sh/chart label.
*/}}
{{- define "base.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
"true" for the types that run as a StatefulSet, "" otherwise.
*/}}
{{- define "base.isStateful" -}}
{{- if hasPrefix "stateful-" .Values.deploymentType }}true{{ end }}
{{- end }}

{{/*
"true" for the types that may run more than one instance, "" otherwise.
*/}}
{{- define "base.isMulti" -}}
{{- if hasSuffix "-multi" .Values.deploymentType }}true{{ end }}
{{- end }}

{{/*
"true" when stateful-multi runs as a quorum cluster, "" otherwise.
*/}}
{{- define "base.isCluster" -}}
{{- if and (eq .Values.deploymentType "stateful-multi") .Values.cluster .Values.cluster.enabled }}true{{ end }}
{{- end }}

{{/*
"true" when stateless-multi hands the replica count to a HorizontalPodAutoscaler.
*/}}
{{- define "base.isAutoscaled" -}}
{{- if and (eq .Values.deploymentType "stateless-multi") .Values.autoscaling .Values.autoscaling.enabled }}true{{ end }}
{{- end }}

{{/*
Number of instances as an int. Values files give numbers as float64 and --set
as int64, so every comparison and computation goes through this conversion.
*/}}
{{- define "base.replicas" -}}
{{- if hasSuffix "-single" .Values.deploymentType }}1{{ else }}{{ int .Values.replicaCount }}{{ end }}
{{- end }}

{{/*
Name of the headless Service that gives stateful instances their DNS names.
*/}}
{{- define "base.headlessServiceName" -}}
{{- printf "%s-headless" (include "base.fullname" .) }}
{{- end }}

{{/*
Name of the client Service.
*/}}
{{- define "base.serviceName" -}}
{{- include "base.fullname" . }}
{{- end }}

{{/*
Name of the data claim of a stateless type. It is the name a StatefulSet's
first instance would give its claim from the "data" template, so a switch
between stateless-single and stateful-single finds the same volume.
*/}}
{{- define "base.dataClaimName" -}}
{{- if and .Values.persistence.existingClaim (not (include "base.isStateful" .)) }}
{{- .Values.persistence.existingClaim }}
{{- else }}
{{- printf "data-%s-0" (include "base.fullname" .) }}
{{- end }}
{{- end }}

{{/*
Labels that select the component's pods. Workload selectors cannot change
after creation, so this set holds only what never changes for a release.
*/}}
{{- define "base.selectorLabels" -}}
app.kubernetes.io/name: {{ include "base.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels that never change for a release: the labels of data claims. Claims
made from volumeClaimTemplates cannot be updated after creation, so these
carry no chart or image version.
*/}}
{{- define "base.stableLabels" -}}
{{ include "base.selectorLabels" . }}
app.kubernetes.io/component: {{ include "base.componentLabel" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Standard labels of every object.
*/}}
{{- define "base.labels" -}}
helm.sh/chart: {{ include "base.chart" . }}
{{ include "base.stableLabels" . }}
{{- with include "base.versionLabel" . }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
{{- end }}

{{/*
Value of the app.kubernetes.io/component label.
*/}}
{{- define "base.componentLabel" -}}
{{- default (include "base.name" .) .Values.componentLabel | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Value of the app.kubernetes.io/version label: the image tag, or appVersion.
A label value may hold at most 63 letters, digits, '-', '_' and '.'.
*/}}
{{- define "base.versionLabel" -}}
{{- $version := default .Chart.AppVersion (.Values.image.tag | toString) }}
{{- if eq $version "<nil>" }}{{ $version = .Chart.AppVersion }}{{ end }}
{{- regexReplaceAll "[^A-Za-z0-9_.-]" (toString $version) "_" | trunc 63 | trimAll "-_." }}
{{- end }}

{{/*
Container image reference. A digest takes precedence over the tag.
*/}}
{{- define "base.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion | toString }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/*
Name of the ServiceAccount the pods run as.
*/}}
{{- define "base.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "base.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Host names of all instances of a stateful type, comma-separated, each as
<fullname>-<i>.<headless>.<namespace>.svc.<clusterDomain>.
*/}}
{{- define "base.instanceHosts" -}}
{{- $fullname := include "base.fullname" . }}
{{- $headless := include "base.headlessServiceName" . }}
{{- $domain := default "cluster.local" .Values.clusterDomain }}
{{- $hosts := list }}
{{- range $i := until (int (include "base.replicas" .)) }}
{{- $hosts = append $hosts (printf "%s-%d.%s.%s.svc.%s" $fullname $i $headless $.Release.Namespace $domain) }}
{{- end }}
{{- join "," $hosts }}
{{- end }}

{{/*
The PEERS value: every instance's host name, with the peer port appended when
one is set. Host names, never IPs: a pod's IP changes when it is rescheduled,
its host name does not.
*/}}
{{- define "base.peers" -}}
{{- $hosts := splitList "," (include "base.instanceHosts" .) }}
{{- if and .Values.cluster .Values.cluster.peerPort }}
{{- $port := int .Values.cluster.peerPort }}
{{- $withPorts := list }}
{{- range $hosts }}
{{- $withPorts = append $withPorts (printf "%s:%d" . $port) }}
{{- end }}
{{- $hosts = $withPorts }}
{{- end }}
{{- join "," $hosts }}
{{- end }}

{{/*
An int or a percentage string such as "50%", as a PodDisruptionBudget field
takes it. Numbers from values files arrive as float64 and would print as 1e+06.
*/}}
{{- define "base.intOrPercent" -}}
{{- if kindIs "string" . }}{{ . | quote }}{{ else }}{{ int . }}{{ end }}
{{- end }}
