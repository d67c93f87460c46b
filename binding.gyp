{
  "targets": [
    {
      "target_name": "shmring",
      "sources": [
        "native/src/addon.cc",
        "native/src/errors.cc",
        "native/src/segment.cc",
        "native/src/shared_buffer.cc",
        "native/src/futex.cc",
        "native/src/sched.cc",
        "native/src/async_waiter.cc",
        "native/src/waiter_pool.cc",
        "native/src/doorbell.cc",
        "native/src/fault_guard.cc",
        "native/src/health.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/include"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NODE_ADDON_API_ENABLE_TYPE_CHECK_ON_AS"
      ],
      # No -std: each Node's common.gypi sets the standard its headers need (gnu++17 up to
      # Node 22, gnu++20 from Node 24, whose V8 headers refuse C++17).
      "cflags_cc": [ "-fexceptions", "-Wall", "-Wextra", "-Werror=return-type" ],
      "cflags_cc!": [ "-fno-exceptions" ],
      "conditions": [
        [ "OS!='linux'", { "defines": [ "SHMRING_UNSUPPORTED_OS" ] } ]
      ]
    }
  ]
}
