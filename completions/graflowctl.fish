# fish completion for graflowctl.
# Generated from the command tree by `graflowctl completion fish`; do not edit
# (completions/graflowctl.fish is checked against it by the tests).
# Use: install it as ~/.config/fish/completions/graflowctl.fish, or
# graflowctl completion fish | source.

# Sets __graflowctl_path (the subcommands typed so far: "", "queue", "adapter install")
# and __graflowctl_npos (positional arguments after them), skipping options and values.
function __graflowctl_walk
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l path ''
    set -l npos 0
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case '-*=*'
            case '-*'
                contains -- $t (__graflowctl_value_options_of "$path"); and set skip 1
            case '*'
                if contains -- $t (__graflowctl_commands_of "$path")
                    set path (string trim -- "$path $t")
                    set npos 0
                else
                    set npos (math $npos + 1)
                end
        end
    end
    set -g __graflowctl_path $path
    set -g __graflowctl_npos $npos
end

# True when the command path typed so far is one of the arguments.
function __graflowctl_at
    __graflowctl_walk
    contains -- "$__graflowctl_path" $argv
end

# True at the first positional argument of one of the paths given.
function __graflowctl_first_arg_at
    __graflowctl_walk
    test $__graflowctl_npos = 0; and contains -- "$__graflowctl_path" $argv
end

# Profile and context names come from graflowctl itself, with the --config and
# --kubeconfig typed earlier on the line.
function __graflowctl_dynamic --argument-names what
    set -l tokens (commandline -opc)
    set -l extra
    set -l n (count $tokens)
    for i in (seq 2 $n)
        switch $tokens[$i]
            case --config --kubeconfig
                if test $i -lt $n
                    set -a extra $tokens[$i] $tokens[(math $i + 1)]
                end
            case '--config=*' '--kubeconfig=*'
                set -a extra $tokens[$i]
        end
    end
    $tokens[1] $extra __complete $what 2>/dev/null
end

# The subcommands of each command.
function __graflowctl_commands_of
    switch $argv[1]
        case ''
            printf '%s\n' profiles render queue adapter deploy scale status exporter doctor simulate completion
        case 'profiles'
            printf '%s\n' show
        case 'queue'
            printf '%s\n' depth
        case 'adapter'
            printf '%s\n' values install
    end
end

# The options that take a value after each command.
function __graflowctl_value_options_of
    switch $argv[1]
        case ''
            printf '%s\n' --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output
        case 'profiles'
            printf '%s\n' --set --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output
        case 'profiles show'
            printf '%s\n' --set --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output
        case 'render'
            printf '%s\n' -p --profile --set --out-dir --templates --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output
        case 'queue'
            printf '%s\n' --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output
        case 'queue depth'
            printf '%s\n' --key-prefix --queue -p --profile --interval --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout -o --output
        case 'adapter'
            printf '%s\n' --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output
        case 'adapter values'
            printf '%s\n' --prometheus-url --prometheus-port --templates --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output
        case 'adapter install'
            printf '%s\n' --prometheus-url --prometheus-port --templates --namespace --release --chart-version --config --kubeconfig --context --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output
        case 'deploy'
            printf '%s\n' -p --profile --set --templates --timeout --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output
        case 'scale'
            printf '%s\n' -p --profile --set --emergency --hold --timeout --backup-dir --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output
        case 'status'
            printf '%s\n' -p --profile --set --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output
        case 'exporter'
            printf '%s\n' --listen --key-prefix --queue --scrape-timeout --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout -o --output
        case 'doctor'
            printf '%s\n' -p --profile --set --prometheus-url --prometheus-service --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output
        case 'simulate'
            printf '%s\n' -p --profile --set --depth-trace --from-prometheus --start --end --arrivals-trace --load --per-worker-rate --pod-startup --metric-delay --sync-period --tolerance --downscale-stabilization --start-replicas --duration --step --svg --compare --max-wait --min-replicas --max-replicas --average-value --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output
        case 'completion'
            printf '%s\n' --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output
    end
end

complete -c graflowctl -f

# Commands and their positional arguments.
complete -c graflowctl -n '__graflowctl_at ""' -a profiles -d 'list the built-in and configured profiles'
complete -c graflowctl -n '__graflowctl_at ""' -a render -d 'print the manifests of a profile (multi-document YAML)'
complete -c graflowctl -n '__graflowctl_at ""' -a queue -d 'inspect the Redis queue'
complete -c graflowctl -n '__graflowctl_at ""' -a adapter -d 'prometheus-adapter: helm values and installation'
complete -c graflowctl -n '__graflowctl_at ""' -a deploy -d 'server-side apply of a profile\'s objects (fieldManager graflowctl)'
complete -c graflowctl -n '__graflowctl_at ""' -a scale -d 'emergency scale: detach the HPA, scale, reattach — losslessly'
complete -c graflowctl -n '__graflowctl_at ""' -a status -d 'workers, HPA (or detached since ...), metric, queue and the formula'
complete -c graflowctl -n '__graflowctl_at ""' -a exporter -d 'serve the queue depth to Prometheus (/metrics, /healthz, /readyz)'
complete -c graflowctl -n '__graflowctl_at ""' -a doctor -d 'check every link of the pipeline, with a hint for each failure'
complete -c graflowctl -n '__graflowctl_at ""' -a simulate -d 'replay a load against a profile\'s HPA and queue (what-if, tuning)'
complete -c graflowctl -n '__graflowctl_at ""' -a completion -d 'print the shell completion script for bash, zsh or fish'
complete -c graflowctl -n '__graflowctl_at "profiles"' -a show -d 'show one profile, resolved, with where each value comes from'
complete -c graflowctl -n '__graflowctl_first_arg_at "profiles show"' -a '(__graflowctl_dynamic profiles)' -d 'profile name'
complete -c graflowctl -n '__graflowctl_at "queue"' -a depth -d 'show the queue depth and the workers the HPA would want'
complete -c graflowctl -n '__graflowctl_at "adapter"' -a values -d 'print helm values with the graflow_queue_depth external rule'
complete -c graflowctl -n '__graflowctl_at "adapter"' -a install -d 'install or upgrade prometheus-adapter with helm'
complete -c graflowctl -n '__graflowctl_first_arg_at "completion"' -a 'bash zsh fish' -d 'shell to complete for'

# Options.
complete -c graflowctl -s h -l help -d 'Print this help message and exit'
complete -c graflowctl -l version -d 'Display program version information and exit'
complete -c graflowctl -l config -r -F -d 'config file (default ./graflow.yaml, then $XDG_CONFIG_HOME/graflowctl/config.yaml)'
complete -c graflowctl -l kubeconfig -r -F -d 'kubeconfig file(s), \':\'-separated (default $KUBECONFIG, ~/.kube/config)'
complete -c graflowctl -l context -x -a '(__graflowctl_dynamic contexts)' -d 'kubeconfig context to use'
complete -c graflowctl -n 'not __graflowctl_at "adapter install"' -s n -l namespace -x -d 'namespace (default: the profile\'s, then the context\'s)'
complete -c graflowctl -l redis-url -x -d 'redis[s]://[user:password@]host[:port][/db] or unix:///path (env GRAFLOW_REDIS_URL)'
complete -c graflowctl -l redis-timeout -x -d 'bound on connecting to Redis and on each whole reply'
complete -c graflowctl -l redis-password-file -x -d 'file holding the Redis password (one trailing newline dropped; env GRAFLOW_REDIS_PASSWORD)'
complete -c graflowctl -l redis-user -x -d 'Redis ACL user (wins over the URL\'s; env GRAFLOW_REDIS_USER)'
complete -c graflowctl -l redis-ca-file -x -d 'CA certificates (PEM) for rediss:// (default: the system\'s)'
complete -c graflowctl -l redis-cert-file -x -d 'client certificate (PEM) for rediss:// (mTLS)'
complete -c graflowctl -l redis-key-file -x -d 'client key (PEM) for --redis-cert-file'
complete -c graflowctl -l redis-tls-server-name -x -d 'name sent as SNI and checked in the certificate (default: the URL\'s host)'
complete -c graflowctl -l redis-insecure-skip-tls-verify -d 'do not verify the Redis server\'s certificate (insecure: prints a warning)'
complete -c graflowctl -l redis-sentinel-user -x -d 'ACL user for the sentinels of a redis+sentinel:// URL'
complete -c graflowctl -l redis-sentinel-password-file -x -d 'file holding the password of the sentinels (env GRAFLOW_REDIS_SENTINEL_PASSWORD)'
complete -c graflowctl -l request-timeout -x -d 'timeout of each Kubernetes API request'
complete -c graflowctl -n 'not __graflowctl_at "queue depth" "exporter"' -l key-prefix -x -d 'queue key prefix; the queue is PREFIX:queue (env KEY_PREFIX)'
complete -c graflowctl -n 'not __graflowctl_at "queue depth" "exporter"' -l queue -x -d 'a queue of another layout: LAYOUT:NAME[,option=value...] (repeatable)'
complete -c graflowctl -s o -l output -x -a 'text json yaml' -d 'output format'
complete -c graflowctl -s v -l verbose -d 'log what graflowctl does on stderr (repeat for more)'
complete -c graflowctl -l no-color -d 'no colours (also when NO_COLOR is set)'
complete -c graflowctl -n '__graflowctl_at "profiles" "profiles show" "render" "deploy" "scale" "status" "doctor"' -l set -x -d 'override one value, KEY=VALUE (repeatable)'
complete -c graflowctl -n '__graflowctl_at "render"' -s p -l profile -x -a '(__graflowctl_dynamic profiles)' -d 'profile to render (default: the config\'s defaultProfile)'
complete -c graflowctl -n '__graflowctl_at "render"' -l out-dir -x -a '(__fish_complete_directories (commandline -ct))' -d 'write one file per object into DIR instead of printing'
complete -c graflowctl -n '__graflowctl_at "render" "adapter values" "adapter install" "deploy"' -l templates -x -a '(__fish_complete_directories (commandline -ct))' -d 'use the templates in DIR'
complete -c graflowctl -n '__graflowctl_at "queue depth"' -l key-prefix -x -d 'queue key prefix (repeatable: all read in one round trip)'
complete -c graflowctl -n '__graflowctl_at "queue depth"' -l queue -x -d 'queue of a layout: LAYOUT:NAME[,option=value...] (graflow, list, zset, stream, celery, rq, sidekiq, bullmq; repeatable)'
complete -c graflowctl -n '__graflowctl_at "queue depth"' -s p -l profile -x -a '(__graflowctl_dynamic profiles)' -d 'profile whose averageValue, minReplicas and maxReplicas apply'
complete -c graflowctl -n '__graflowctl_at "queue depth"' -s w -l watch -d 'refresh until interrupted'
complete -c graflowctl -n '__graflowctl_at "queue depth"' -l interval -x -d 'refresh interval with --watch'
complete -c graflowctl -n '__graflowctl_at "adapter values" "adapter install"' -l prometheus-url -x -d 'Prometheus URL as the adapter reaches it'
complete -c graflowctl -n '__graflowctl_at "adapter values" "adapter install"' -l prometheus-port -x -d 'Prometheus port'
complete -c graflowctl -n '__graflowctl_at "adapter values" "adapter install"' -l default-rules -d 'keep the chart\'s default resource and custom rules'
complete -c graflowctl -n '__graflowctl_at "adapter install"' -l namespace -x -d 'namespace of the adapter release'
complete -c graflowctl -n '__graflowctl_at "adapter install"' -l release -x -d 'helm release name'
complete -c graflowctl -n '__graflowctl_at "adapter install"' -l chart-version -x -d 'chart version (default: latest)'
complete -c graflowctl -n '__graflowctl_at "adapter install"' -l dry-run -d 'print the helm commands and values, run nothing'
complete -c graflowctl -n '__graflowctl_at "deploy"' -s p -l profile -x -a '(__graflowctl_dynamic profiles)' -d 'profile to deploy (default: the config\'s defaultProfile)'
complete -c graflowctl -n '__graflowctl_at "deploy"' -l dry-run -d 'let the server validate everything and persist nothing (dryRun=All)'
complete -c graflowctl -n '__graflowctl_at "deploy"' -l wait -d 'wait until the Deployments are available'
complete -c graflowctl -n '__graflowctl_at "deploy" "scale"' -l timeout -x -d 'how long --wait waits'
complete -c graflowctl -n '__graflowctl_at "deploy"' -l force-conflicts -d 'take over fields other field managers own'
complete -c graflowctl -n '__graflowctl_at "scale"' -s p -l profile -x -a '(__graflowctl_dynamic profiles)' -d 'profile naming the Deployment and HPA (default: prod, or defaultProfile)'
complete -c graflowctl -n '__graflowctl_at "scale"' -l emergency -x -d 'detach the HPA and scale the workers to N replicas'
complete -c graflowctl -n '__graflowctl_at "scale"' -l reattach -d 're-create the detached HPA from its snapshot'
complete -c graflowctl -n '__graflowctl_at "scale"' -l hold -x -d 'after scaling, wait this long, then reattach (Ctrl-C reattaches at once)'
complete -c graflowctl -n '__graflowctl_at "scale"' -l wait -d 'wait until the scaled Deployment is available'
complete -c graflowctl -n '__graflowctl_at "scale"' -l backup-dir -x -a '(__fish_complete_directories (commandline -ct))' -d 'where local HPA snapshots go (default $XDG_STATE_HOME/graflowctl/detached)'
complete -c graflowctl -n '__graflowctl_at "status" "doctor"' -s p -l profile -x -a '(__graflowctl_dynamic profiles)' -d 'profile (default: prod, or the config\'s defaultProfile)'
complete -c graflowctl -n '__graflowctl_at "exporter"' -l listen -x -d 'numeric IP address and port to serve on (ADDR:PORT, [IPv6]:PORT or :PORT)'
complete -c graflowctl -n '__graflowctl_at "exporter"' -l key-prefix -x -d 'queue key prefix to export (repeatable: all read in one Redis round trip per scrape; default: the global --key-prefix, $KEY_PREFIX, graflow)'
complete -c graflowctl -n '__graflowctl_at "exporter"' -l queue -x -d 'queue of another layout to export: LAYOUT:NAME[,option=value...] (repeatable; read in the same round trip)'
complete -c graflowctl -n '__graflowctl_at "exporter"' -l scrape-timeout -x -d 'longest a scrape waits for Redis before answering graflow_redis_up 0'
complete -c graflowctl -n '__graflowctl_at "doctor"' -l prometheus-url -x -d 'query Prometheus directly at this URL'
complete -c graflowctl -n '__graflowctl_at "doctor"' -l prometheus-service -x -d 'else query it through the API server\'s service proxy: NAMESPACE/NAME:PORT'
complete -c graflowctl -n '__graflowctl_at "simulate"' -s p -l profile -x -a '(__graflowctl_dynamic profiles)' -d 'profile to simulate (default: the config\'s defaultProfile)'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l set -x -d 'override one value of the profile, KEY=VALUE (repeatable)'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l depth-trace -x -d 'open loop: CSV "seconds,depth", the recorded queue depth'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l from-prometheus -x -d 'open loop on graflow_queue_depth recorded in Prometheus at URL'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l start -x -d 'with --from-prometheus: start of the range (RFC 3339 or Unix seconds)'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l end -x -d 'with --from-prometheus: end of the range'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l arrivals-trace -x -d 'closed loop: CSV "seconds,tasks", tasks arriving then'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l load -x -d 'closed loop generator: steady:rate=R | burst:tasks=N,every=D | daily:low=L,high=H (joined with +)'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l per-worker-rate -x -d 'tasks/s one ready worker finishes (closed loop)'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l pod-startup -x -d 'time from a scale-up to the new pod being ready'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l metric-delay -x -d 'age of the depth the HPA sees (scrape + adapter)'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l sync-period -x -d 'HPA sync period (--horizontal-pod-autoscaler-sync-period)'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l tolerance -x -d 'HPA tolerance (--horizontal-pod-autoscaler-tolerance)'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l downscale-stabilization -x -d 'HPA downscale stabilization window'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l start-replicas -x -d 'replicas at t = 0 (default minReplicas; 0 allowed)'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l duration -x -d 'length of the run (default: the trace\'s last row)'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l step -x -d 'time step (default 1s; 15s with --from-prometheus, also the query\'s step)'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l svg -x -d 'also draw depth and replicas over time into FILE (SVG)'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l chart -l no-chart -d 'terminal chart of depth and replicas (default: on a terminal)'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l compare -x -d 'run a second profile on the same load, side by side'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l tune -d 'search minReplicas, maxReplicas, averageValue and behavior for the cheapest profile within --max-wait'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l max-wait -x -d 'with --tune: the p99 wait the profile must keep'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l min-replicas -x -d 'with --tune: minReplicas range A..B'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l max-replicas -x -d 'with --tune: maxReplicas range A..B'
complete -c graflowctl -n '__graflowctl_at "simulate"' -l average-value -x -d 'with --tune: averageValue range A..B'
