; Desktop Chat setup for Windows: a per-user install that needs no administrator rights.
;
; Compiled by packaging/build.py windows (or by hand):
;   makensis -DVERSION=0.1.0 -DVERSION_QUAD=0.1.0.0 -DPAYLOAD_DIR=<frozen folder> ^
;            -DICON=<desktop-chat.ico> -DOUTFILE=<setup.exe> packaging/windows/installer.nsi
;
; Installs into %LOCALAPPDATA%\Programs\Desktop Chat, adds a Start menu shortcut and, if chosen, a
; desktop shortcut, and registers under HKCU so "Installed apps" lists it. The uninstaller keeps the
; user's conversations and settings (%LOCALAPPDATA%\desktop-chat) unless asked to remove them.

Unicode true

!ifndef VERSION
  !error "Pass -DVERSION=<version> (packaging/build.py reads it from pyproject.toml)"
!endif
!ifndef VERSION_QUAD
  !error "Pass -DVERSION_QUAD=<a.b.c.d> (the version as four numbers)"
!endif
!ifndef PAYLOAD_DIR
  !error "Pass -DPAYLOAD_DIR=<the frozen desktop-chat folder>"
!endif
!ifndef ICON
  !error "Pass -DICON=<desktop-chat.ico>"
!endif
!ifndef OUTFILE
  !define OUTFILE "desktop-chat-setup.exe"
!endif

!define APP_NAME "Desktop Chat"
!define APP_EXE "desktop-chat.exe"
!define PUBLISHER "Desktop Chat developers"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\DesktopChat"
!define SETTINGS_KEY "Software\Desktop Chat"
; Where the app keeps its data (platformdirs, app name "desktop-chat"): see desktop_chat/core/paths.py.
!define USER_DATA_DIR "$LOCALAPPDATA\desktop-chat"

!include "MUI2.nsh"
!include "FileFunc.nsh"

Name "${APP_NAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP_NAME}"
InstallDirRegKey HKCU "${SETTINGS_KEY}" "InstallDir"
RequestExecutionLevel user
ManifestDPIAware true
SetCompressor /SOLID lzma
BrandingText "${APP_NAME} ${VERSION}"

VIProductVersion "${VERSION_QUAD}"
VIAddVersionKey "ProductName" "${APP_NAME}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APP_NAME} setup"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "LegalCopyright" "MIT License"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APP_NAME} now"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

Section "${APP_NAME} (required)" SecApp
  SectionIn RO
  SetShellVarContext current
  ; An upgrade must not keep libraries the new version no longer ships.
  RMDir /r "$INSTDIR\_internal"
  SetOutPath "$INSTDIR"
  File /r "${PAYLOAD_DIR}\*.*"
  WriteUninstaller "$INSTDIR\Uninstall.exe"

  WriteRegStr HKCU "${SETTINGS_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE},0"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Start menu shortcut" SecStartMenu
  SetShellVarContext current
  CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}"
SectionEnd

Section /o "Desktop shortcut" SecDesktop
  SetShellVarContext current
  CreateShortcut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}"
SectionEnd

Section "un.${APP_NAME} (required)" SecUnApp
  SectionIn RO
  SetShellVarContext current
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  Delete "$DESKTOP\${APP_NAME}.lnk"
  ; Only what the installer put there: the folder may have been chosen by hand.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${APP_EXE}"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DeleteRegKey HKCU "${SETTINGS_KEY}"
SectionEnd

Section /o "un.Also remove my conversations and settings" SecUnData
  RMDir /r "${USER_DATA_DIR}"
SectionEnd
