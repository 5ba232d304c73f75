{{/*
Environment variables every pod gets before the user's own, so that env and
args may refer to them as $(POD_NAME).
*/}}
{{- define "base.builtinEnv" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{- if and .Values.service.enabled .Values.service.ports }}
- name: SERVICE_NAME
  value: {{ include "base.serviceName" . | quote }}
{{- end }}
{{- if include "base.isStateful" . }}
- name: HEADLESS_SERVICE_NAME
  value: {{ include "base.headlessServiceName" . | quote }}
- name: POD_FQDN
  value: {{ printf "$(POD_NAME).%s.$(POD_NAMESPACE).svc.%s" (include "base.headlessServiceName" .) (default "cluster.local" .Values.clusterDomain) | quote }}
{{- end }}
{{- if eq .Values.deploymentType "stateful-multi" }}
- name: PEERS
  value: {{ include "base.peers" . | quote }}
{{- end }}
{{- end }}

{{/*
Soft spreading of multi-type instances across nodes, used when the user gives
no topologySpreadConstraints of their own.
*/}}
{{- define "base.topologySpreadConstraints" -}}
{{- if .Values.topologySpreadConstraints }}
{{- toYaml .Values.topologySpreadConstraints }}
{{- else if and (include "base.isMulti" .) .Values.spreadAcrossNodes }}
- maxSkew: 1
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "base.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}

{{/*
The pod template shared by the StatefulSet and the Deployment.
*/}}
{{- define "base.podTemplate" -}}
metadata:
  {{- with .Values.podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  labels:
    {{- include "base.labels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  serviceAccountName: {{ include "base.serviceAccountName" . }}
  automountServiceAccountToken: {{ .Values.serviceAccount.automount }}
  {{- with .Values.podSecurityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- if not (kindIs "invalid" .Values.terminationGracePeriodSeconds) }}
  terminationGracePeriodSeconds: {{ int .Values.terminationGracePeriodSeconds }}
  {{- end }}
  {{- with .Values.initContainers }}
  initContainers:
    {{- range . }}
    {{- /* Init containers get the same built-in variables, so they can write configuration from PEERS or POD_FQDN. */}}
    {{- $container := deepCopy . }}
    {{- $_ := set $container "env" (concat (fromYamlArray (include "base.builtinEnv" $)) (default list $container.env)) }}
    {{- /* Without a securityContext of its own, an init container would take the pod out of the restricted profile. */}}
    {{- if and (not $container.securityContext) $.Values.securityContext }}
    {{- $_ := set $container "securityContext" $.Values.securityContext }}
    {{- end }}
    - {{- toYaml $container | nindent 6 }}
    {{- end }}
  {{- end }}
  containers:
    - name: {{ include "base.name" . }}
      image: {{ include "base.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      {{- with .Values.securityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.command }}
      command:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.args }}
      args:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      env:
        {{- include "base.builtinEnv" . | nindent 8 }}
        {{- with .Values.env }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with .Values.envFrom }}
      envFrom:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.containerPorts }}
      ports:
        {{- range . }}
        - name: {{ .name }}
          containerPort: {{ int .containerPort }}
          protocol: {{ .protocol | default "TCP" }}
        {{- end }}
      {{- end }}
      {{- with .Values.livenessProbe }}
      livenessProbe:
        {{- include "base.probe" . | nindent 8 }}
      {{- end }}
      {{- with .Values.readinessProbe }}
      readinessProbe:
        {{- include "base.probe" . | nindent 8 }}
      {{- end }}
      {{- with .Values.startupProbe }}
      startupProbe:
        {{- include "base.probe" . | nindent 8 }}
      {{- end }}
      {{- with .Values.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if or .Values.persistence.enabled .Values.extraVolumeMounts }}
      volumeMounts:
        {{- if .Values.persistence.enabled }}
        - name: data
          mountPath: {{ .Values.persistence.mountPath }}
          {{- with .Values.persistence.subPath }}
          subPath: {{ . }}
          {{- end }}
          {{- if eq .Values.persistence.accessMode "ReadOnlyMany" }}
          readOnly: true
          {{- end }}
        {{- end }}
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
  {{- $statelessData := and .Values.persistence.enabled (not (include "base.isStateful" .)) }}
  {{- if or $statelessData .Values.extraVolumes }}
  volumes:
    {{- if $statelessData }}
    - name: data
      persistentVolumeClaim:
        claimName: {{ include "base.dataClaimName" . }}
        {{- if eq .Values.persistence.accessMode "ReadOnlyMany" }}
        readOnly: true
        {{- end }}
    {{- end }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with include "base.topologySpreadConstraints" . | trim }}
  topologySpreadConstraints:
    {{- . | nindent 4 }}
  {{- end }}
{{- end }}

{{/*
Spec of the data claim: used by the StatefulSet's volumeClaimTemplates and by
the claim of stateless types, so both ask for the same volume.
*/}}
{{- define "base.claimSpec" -}}
accessModes:
  - {{ .Values.persistence.accessMode }}
{{- with .Values.persistence.storageClass }}
storageClassName: {{ if eq . "-" }}""{{ else }}{{ . | quote }}{{ end }}
{{- end }}
resources:
  requests:
    storage: {{ .Values.persistence.size | quote }}
{{- end }}

{{/*
A probe with a single handler. Values merge probes key by key, so a user who
sets httpGet over the default tcpSocket check would otherwise send both, and
the API server rejects a probe with more than one handler. The first present
of exec, httpGet, grpc and tcpSocket is kept.
*/}}
{{- define "base.probe" -}}
{{- $probe := deepCopy . }}
{{- $chosen := "" }}
{{- range $handler := list "exec" "httpGet" "grpc" "tcpSocket" }}
{{- if and (not $chosen) (index $probe $handler) }}
{{- $chosen = $handler }}
{{- end }}
{{- end }}
{{- range $handler := list "exec" "httpGet" "grpc" "tcpSocket" }}
{{- if ne $handler $chosen }}
{{- $_ := unset $probe $handler }}
{{- end }}
{{- end }}
{{- toYaml $probe }}
{{- end }}
