# zsh -f zsh_complete.zsh DIR LINE: prints, one per line, the matches an interactive zsh
# offers for LINE followed by TAB, with the completion function _graflowctl from DIR.
# zsh completes only inside its line editor, so this drives an interactive zsh through a
# pseudo-terminal (zsh/zpty) and wraps compadd to print what is offered.
zmodload zsh/zpty
zpty complete_shell zsh -f -i
zpty -w complete_shell "PS1= RPROMPT=; fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w complete_shell 'bindkey "^I" complete-word; zstyle ":completion:*" insert-tab false'
# Done after one completion: print a marker and leave.
zpty -w complete_shell '__graflow_done() { print -r -- "<<END>>"; exit }; comppostfuncs=(__graflow_done)'
# Matches as compadd adds them (calls with -O/-A/-D only compute, they add nothing).
zpty -w complete_shell 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a __m; builtin compadd -A __m "$@"; (( $#__m )) && print -rl -- "<<M>>"${^__m}; builtin compadd "$@"; }'
zpty -w complete_shell "print -r -- '<<READY''>>'"
local line
while zpty -r complete_shell line; do [[ $line == *'<<READY>>'* ]] && break; done
zpty -n -w complete_shell "$2"$'\t'
while zpty -r complete_shell line; do
  [[ $line == *'<<M>>'* ]] && print -r -- ${${line##*<<M>>}%%$'\r'*}
  [[ $line == *'<<END>>'* && $line != *print* ]] && break
done
zpty -d complete_shell
