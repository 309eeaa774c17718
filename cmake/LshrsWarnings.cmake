# Project-wide compile settings applied to our own targets only (never to
# consumers): warnings, optional -Werror, optional sanitizers.
function(lshrs_target_settings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion)
  if(LSHRS_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(LSHRS_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${LSHRS_SANITIZE} -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${LSHRS_SANITIZE})
  endif()
endfunction()
