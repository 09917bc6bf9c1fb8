# The version both binaries print with --version: the project version and git's
# description of the source tree (`git describe --always --dirty`), taken when
# cmake configures (re-run cmake after a commit to refresh it); "unknown" outside a
# git checkout or without git. Sets FOTA_VERSION_STRING.
if(NOT DEFINED FOTA_VERSION_STRING)
  set(_fota_describe unknown)
  find_package(Git QUIET)
  if(GIT_FOUND)
    execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty
                    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                    OUTPUT_VARIABLE _fota_out OUTPUT_STRIP_TRAILING_WHITESPACE
                    ERROR_QUIET RESULT_VARIABLE _fota_rc)
    if(_fota_rc EQUAL 0 AND _fota_out)
      set(_fota_describe ${_fota_out})
    endif()
  endif()
  set(FOTA_VERSION_STRING "${PROJECT_VERSION} (git ${_fota_describe})")
endif()
