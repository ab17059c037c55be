" One Vim run for tests/editors: the README's config is the vimrc and the project's
" views.py is the current buffer. Every step waits for what the user would see, with a
" deadline (`:sleep` lets ALE's channel callbacks run), and writes what it saw to
" $FF_TRACE as a JSON line; the Python test judges it.
let s:deadline = str2nr($FF_DEADLINE)
let s:url = 'http://127.0.0.1:' . $FF_PORT . '/'
let s:buf = bufnr('')
" Only the server under test: ALE would also run every other Python linter it finds.
let g:ale_linters = {'python': ['failsafe_flask']}

function! s:Record(step, data) abort
  call writefile([json_encode(extend({'step': a:step}, a:data))], $FF_TRACE, 'a')
endfunction

function! s:Wait(what, Probe) abort
  let l:end = reltimefloat(reltime()) + s:deadline
  while reltimefloat(reltime()) < l:end
    let l:value = a:Probe()
    if !empty(l:value)
      return l:value
    endif
    sleep 50m
  endwhile
  throw 'Not within ' . s:deadline . ' s: ' . a:what
endfunction

function! s:Echoed() abort
  return filter(split(execute('messages'), "\n"), {_, line -> line =~# '^Failsafe Flask: '})
endfunction

" Runs an Ex command and returns the "Failsafe Flask: ..." line it echoes.
function! s:CommandEcho(command) abort
  let l:before = len(s:Echoed())
  execute a:command
  return s:Wait(a:command . ' to echo the state',
  \ {-> len(s:Echoed()) > l:before ? s:Echoed()[-1] : ''})
endfunction

function! s:StatusIs(state) abort
  let l:line = s:CommandEcho('FlaskStatus')
  return l:line =~# '^Failsafe Flask: ' . a:state ? l:line : ''
endfunction

" Asks :FlaskStatus until its echo names this state; returns that echo.
function! s:StatusUntil(state) abort
  return s:Wait('FlaskStatus to say ' . a:state, function('s:StatusIs', [a:state]))
endfunction

function! s:Get() abort
  return system(shellescape($FF_PYTHON) . ' ' . shellescape($FF_GET) . ' ' . shellescape(s:url))
endfunction

function! s:Served(text) abort
  return s:Wait('the app to serve "' . a:text . '"',
  \ {-> stridx(s:Get(), a:text) >= 0 ? s:Get() : ''})
endfunction

" ALE's list: 1-based columns, inclusive end; recorded 0-based with an exclusive end, as LSP.
function! s:Ours() abort
  let l:found = []
  for l:item in ale#engine#GetLoclist(s:buf)
    if get(l:item, 'linter_name', '') ==# 'failsafe_flask'
      call add(l:found, {'line': l:item.lnum - 1, 'col': l:item.col - 1,
      \ 'end_line': get(l:item, 'end_lnum', l:item.lnum) - 1,
      \ 'end_col': get(l:item, 'end_col', l:item.col), 'message': l:item.text})
    endif
  endfor
  return l:found
endfunction

function! s:Save(path) abort
  silent %delete _
  call setline(1, readfile(a:path))
  write
endfunction

function! s:Run() abort
  let l:ale = ale#Has('ale-3.3.0') ? 'ALE 3.3' : 'ALE before 3.3'
  call s:Record('editor', {'version': printf('%d.%d, %s', v:version / 100, v:version % 100, l:ale)})
  call s:Record('start', {'echo': s:CommandEcho('FlaskStart ' . $FF_PORT)})
  call s:Record('served', {'body': s:Served($FF_V1)})
  " The page may be served a moment before the server has heard that the app is up.
  let l:echo = s:StatusUntil('running')
  call s:Record('status', {'echo': l:echo, 'state': get(g:, 'failsafe_flask', {'state': ''}).state})
  call s:Save($FF_BROKEN)
  call s:Record('broken', {'diagnostics': s:Wait('the diagnostic', function('s:Ours'))})
  call s:Record('failed', {'echo': s:StatusUntil('failed')})
  call s:Save($FF_FIXED)
  call s:Wait('the diagnostic to clear', {-> empty(s:Ours()) ? 'cleared' : ''})
  call s:Record('fixed', {'body': s:Served($FF_V2)})
  call s:Record('stop', {'echo': s:CommandEcho('FlaskStop'), 'body': s:Get()})
  call s:Record('restart', {'echo': s:CommandEcho('FlaskRestart')})
  call s:Record('served again', {'body': s:Served($FF_V2)})
  call s:Record('quit', {})
endfunction

try
  call s:Run()
  qall!
catch
  call s:Record('error', {'message': v:exception . ' at ' . v:throwpoint})
  cquit 1
endtry
