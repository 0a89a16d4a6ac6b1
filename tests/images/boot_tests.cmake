# Image build and boot tests (tests/images/boot_*). Included by tests/images/CMakeLists.txt:
#   include(${CMAKE_CURRENT_SOURCE_DIR}/boot_tests.cmake)
# All carry the label e2e: they build the kernel once (cached in /var/cache/stele/kernel),
# build the images into ${CMAKE_BINARY_DIR}/images/NAME/, and boot them under QEMU TCG in
# network namespaces of their own (root needed).
set(STELE_BOOT_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})
set(STELE_BOOT_PYTHON /usr/bin/python3)
set(STELE_APPLIANCES web dns router firewall)

# Fixtures: build the images. The first kernel build takes ~6 min at -j2 on this machine.
add_test(NAME images_build_appliances
  COMMAND ${PROJECT_SOURCE_DIR}/images/build-images.sh ${CMAKE_BINARY_DIR} ${STELE_APPLIANCES})
add_test(NAME images_build_testinit
  COMMAND ${STELE_BOOT_TEST_DIR}/boot_build_test_image.sh ${CMAKE_BINARY_DIR}/images-test)
set_tests_properties(images_build_appliances PROPERTIES
  LABELS e2e FIXTURES_SETUP stele_appliance_images TIMEOUT 2400)
set_tests_properties(images_build_testinit PROPERTIES
  LABELS e2e FIXTURES_SETUP stele_testinit_image TIMEOUT 2400)

# The stand-in init: proves kernel + initramfs + fw_cfg + virtio-net + power-off alone.
add_test(NAME images_manifest_testinit
  COMMAND ${STELE_BOOT_PYTHON} ${STELE_BOOT_TEST_DIR}/boot_manifest_test.py
          --images-dir ${CMAKE_BINARY_DIR}/images-test testinit)
add_test(NAME images_boot_testinit
  COMMAND ${STELE_BOOT_PYTHON} ${STELE_BOOT_TEST_DIR}/boot_images_test.py
          --images-dir ${CMAKE_BINARY_DIR}/images-test testinit)
set_tests_properties(images_manifest_testinit images_boot_testinit PROPERTIES
  LABELS e2e FIXTURES_REQUIRED stele_testinit_image TIMEOUT 600)

add_test(NAME images_manifest_appliances
  COMMAND ${STELE_BOOT_PYTHON} ${STELE_BOOT_TEST_DIR}/boot_manifest_test.py
          --images-dir ${CMAKE_BINARY_DIR}/images
          --readme ${PROJECT_SOURCE_DIR}/services/README.md ${STELE_APPLIANCES})
set_tests_properties(images_manifest_appliances PROPERTIES
  LABELS e2e FIXTURES_REQUIRED stele_appliance_images TIMEOUT 600)
foreach(name ${STELE_APPLIANCES})
  add_test(NAME images_boot_${name}
    COMMAND ${STELE_BOOT_PYTHON} ${STELE_BOOT_TEST_DIR}/boot_images_test.py
            --images-dir ${CMAKE_BINARY_DIR}/images ${name})
  set_tests_properties(images_boot_${name} PROPERTIES
    LABELS e2e FIXTURES_REQUIRED stele_appliance_images TIMEOUT 900)
endforeach()
