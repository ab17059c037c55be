;;; emacs.el --- One Emacs run for tests/editors  -*- lexical-binding: t -*-
;; The README's config is already loaded. This visits the project's views.py and does
;; what the user does; every step waits for what the user would see, with a deadline,
;; and writes what it saw to $FF_TRACE as a JSON line; the Python test judges it.

(require 'json)
(require 'flymake)

(defvar ff-deadline (string-to-number (getenv "FF_DEADLINE")))
(defvar ff-url (format "http://127.0.0.1:%s/" (getenv "FF_PORT")))
(defvar ff-echoed nil "Every \"Failsafe Flask: ...\" line the commands echoed, newest first.")

(define-advice message (:filter-return (text) ff-remember)
  (when (and (stringp text) (string-prefix-p "Failsafe Flask: " text))
    (push text ff-echoed))
  text)

(defun ff-record (step &rest data)
  (let ((line (concat (json-encode (append (list :step step) data)) "\n")))
    (write-region line nil (getenv "FF_TRACE") 'append 'silent)))

(defun ff-wait (what probe)
  "Call PROBE until it returns non-nil, handling the server's messages meanwhile."
  (let ((end (+ (float-time) ff-deadline)) value)
    (while (and (not (setq value (funcall probe))) (< (float-time) end))
      (accept-process-output nil 0.05))
    (or value (error "Not within %s s: %s" ff-deadline what))))

(defun ff-echo-of (thunk)
  "Run THUNK (a documented command) and return the state line it echoed."
  (let ((before (length ff-echoed)))
    (funcall thunk)
    (ff-wait "the command to echo the state"
             (lambda () (and (> (length ff-echoed) before) (car ff-echoed))))))

(defun ff-status-until (state)
  "Run `failsafe-flask-status' until its echo names STATE; return that echo."
  (ff-wait (format "failsafe-flask-status to say %s" state)
           (lambda ()
             (let ((line (ff-echo-of #'failsafe-flask-status)))
               (and (string-prefix-p (concat "Failsafe Flask: " state) line) line)))))

(defun ff-get ()
  "The app's answer: the HTTP status (0 when refused) and the body."
  (with-temp-buffer
    (call-process (getenv "FF_PYTHON") nil t nil (getenv "FF_GET") ff-url)
    (buffer-string)))

(defun ff-served (text)
  (ff-wait (format "the app to serve %S" text)
           (lambda () (let ((answer (ff-get))) (and (string-search text answer) answer)))))

(defun ff-position (pos)
  (save-excursion
    (goto-char pos)
    (list (1- (line-number-at-pos)) (- pos (line-beginning-position)))))

(defun ff-ours ()
  "This buffer's Flymake diagnostics from the server (eglot prefixes their source and
its code, the exception's type: \"Failsafe Flask [SyntaxError]: ...\")."
  (let (found)
    (dolist (d (flymake-diagnostics) (nreverse found))
      (when (string-match-p "\\`Failsafe Flask\\( \\[[^]]*\\]\\)?: " (flymake-diagnostic-text d))
        (pcase-let ((`(,line ,col) (ff-position (flymake-diagnostic-beg d)))
                    (`(,end-line ,end-col) (ff-position (flymake-diagnostic-end d))))
          (push (list :line line :col col :end_line end-line :end_col end-col
                      :message (flymake-diagnostic-text d))
                found))))))

(defun ff-save (path)
  (erase-buffer)
  (insert-file-contents path)
  (save-buffer))

(defun ff-run ()
  (ff-record "editor" :version
             (format "%s, %s" emacs-version
                     (file-name-nondirectory ; the package's folder: eglot-1.9
                      (directory-file-name
                       (file-name-directory (locate-library "eglot"))))))
  (find-file (getenv "FF_FILE"))
  ;; eglot-ensure connects from the command loop, which --batch never enters.
  (run-hooks 'post-command-hook)
  (ff-wait "the language server to start" #'eglot-current-server)
  (ff-record "start" :echo (ff-echo-of (lambda ()
                                         (failsafe-flask-start
                                          (string-to-number (getenv "FF_PORT"))))))
  (ff-record "served" :body (ff-served (getenv "FF_V1")))
  ;; The page may be served a moment before the server has heard that the app is up.
  (let ((echo (ff-status-until "running")))
    (ff-record "status" :echo echo
               :state (plist-get (failsafe-flask-status) :state)))
  (ff-save (getenv "FF_BROKEN"))
  (ff-record "broken" :diagnostics (vconcat (ff-wait "the diagnostic" #'ff-ours)))
  (ff-record "failed" :echo (ff-status-until "failed"))
  (ff-save (getenv "FF_FIXED"))
  (ff-wait "the diagnostic to clear" (lambda () (null (ff-ours))))
  (ff-record "fixed" :body (ff-served (getenv "FF_V2")))
  (ff-record "stop" :echo (ff-echo-of #'failsafe-flask-stop) :body (ff-get))
  (ff-record "restart" :echo (ff-echo-of #'failsafe-flask-restart))
  (ff-record "served again" :body (ff-served (getenv "FF_V2")))
  (ff-record "quit"))

(condition-case err
    (progn (ff-run) (kill-emacs 0))
  (error (ff-record "error" :message (error-message-string err))
         (kill-emacs 1)))
