// libzip behind RAII handles. Every libzip error is turned into ZipError here,
// with libzip's own text.
#include "model/zip_archive.hpp"

#include <zip.h>

#include <ctime>
#include <deque>

namespace lshrs::zip {
namespace {

std::string error_text(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string text = zip_error_strerror(&error);
  zip_error_fini(&error);
  return text;
}

std::string error_text(zip_error_t* error) { return zip_error_strerror(error); }

// A fixed modification time (2000-01-01) keeps written archives byte-identical
// for identical contents.
constexpr std::time_t kEntryMtime = 946684800;

struct FileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

}  // namespace

// ---------------------------------------------------------------- reading --

struct ZipReader::Handle {
  zip_t* archive = nullptr;
  ~Handle() {
    if (archive != nullptr) zip_discard(archive);
  }
};

ZipReader::ZipReader(const std::filesystem::path& path)
    : path_(path), handle_(std::make_unique<Handle>()) {
  int code = 0;
  handle_->archive = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
  if (handle_->archive == nullptr) {
    throw ZipError("cannot open as a zip archive: " + error_text(code));
  }
  const zip_int64_t count = zip_get_num_entries(handle_->archive, 0);
  if (count < 0) throw ZipError("cannot list the archive's entries");
  entries_.reserve(static_cast<std::size_t>(count));
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(handle_->archive, static_cast<zip_uint64_t>(i), 0, &st) != 0) {
      throw ZipError("cannot read entry " + std::to_string(i) + ": " +
                     error_text(zip_get_error(handle_->archive)));
    }
    const zip_uint64_t needed = ZIP_STAT_NAME | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE;
    if ((st.valid & needed) != needed) {
      throw ZipError("entry " + std::to_string(i) + " lacks a name or sizes");
    }
    EntryInfo info;
    info.name = st.name;
    info.size = st.size;
    info.compressed_size = st.comp_size;
    info.encrypted = (st.valid & ZIP_STAT_ENCRYPTION_METHOD) != 0 &&
                     st.encryption_method != ZIP_EM_NONE;
    entries_.push_back(std::move(info));
  }
}

ZipReader::~ZipReader() = default;
ZipReader::ZipReader(ZipReader&&) noexcept = default;
ZipReader& ZipReader::operator=(ZipReader&&) noexcept = default;

std::optional<std::size_t> ZipReader::find(std::string_view name) const {
  // libzip keeps a hash table of names: no quadratic scan for many bands.
  const zip_int64_t index = zip_name_locate(handle_->archive, std::string(name).c_str(), 0);
  if (index < 0) return std::nullopt;
  return static_cast<std::size_t>(index);
}

std::string ZipReader::read(std::size_t index, std::size_t max_size) const {
  const EntryInfo& entry = entries_.at(index);
  const std::string what = "entry " + entry.name;
  if (entry.size > max_size) {
    throw ZipError(what + " declares " + std::to_string(entry.size) +
                   " uncompressed bytes, more than the " + std::to_string(max_size) +
                   " expected; refusing to inflate it");
  }
  if (entry.encrypted) throw ZipError(what + " is encrypted");
  std::unique_ptr<zip_file_t, FileCloser> file(zip_fopen_index(handle_->archive, index, 0));
  if (!file) {
    throw ZipError("cannot open " + what + ": " + error_text(zip_get_error(handle_->archive)));
  }
  auto fail = [&](const std::string& problem) -> ZipError {
    return ZipError(what + ": " + problem + ": " + zip_file_strerror(file.get()));
  };
  // Inflate exactly the declared size, then probe one more byte: that read
  // also makes libzip verify the CRC and the stream's end.
  std::string data(static_cast<std::size_t>(entry.size), '\0');
  std::size_t done = 0;
  while (done < data.size()) {
    const zip_int64_t n = zip_fread(file.get(), data.data() + done, data.size() - done);
    if (n < 0) throw fail("corrupt data");
    if (n == 0) {
      throw ZipError(what + " ends after " + std::to_string(done) + " of its declared " +
                     std::to_string(data.size()) + " bytes");
    }
    done += static_cast<std::size_t>(n);
  }
  char extra = 0;
  const zip_int64_t n = zip_fread(file.get(), &extra, 1);
  if (n < 0) throw fail("corrupt data");
  if (n > 0) {
    throw ZipError(what + " inflates to more than its declared " + std::to_string(data.size()) +
                   " bytes; the archive is corrupt or hostile");
  }
  return data;
}

// ---------------------------------------------------------------- writing --

struct ZipWriter::Handle {
  zip_source_t* buffer = nullptr;  // our own reference to the in-memory archive
  zip_t* archive = nullptr;
  std::deque<std::string> contents;  // must outlive zip_close()
  ~Handle() {
    if (archive != nullptr) zip_discard(archive);
    if (buffer != nullptr) zip_source_free(buffer);
  }
};

ZipWriter::ZipWriter() : handle_(std::make_unique<Handle>()) {
  zip_error_t error;
  zip_error_init(&error);
  handle_->buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (handle_->buffer == nullptr) {
    std::string text = error_text(&error);
    zip_error_fini(&error);
    throw ZipError("cannot create an in-memory archive: " + text);
  }
  handle_->archive = zip_open_from_source(handle_->buffer, ZIP_TRUNCATE, &error);
  if (handle_->archive == nullptr) {
    std::string text = error_text(&error);
    zip_error_fini(&error);
    throw ZipError("cannot create an in-memory archive: " + text);
  }
  zip_error_fini(&error);
  zip_source_keep(handle_->buffer);  // the archive took one reference, this is ours
}

ZipWriter::~ZipWriter() = default;

void ZipWriter::add(std::string_view name, std::string data) {
  if (handle_->archive == nullptr) throw ZipError("add() after finish()");
  zip_t* archive = handle_->archive;
  const std::string& stored = handle_->contents.emplace_back(std::move(data));
  zip_source_t* source = zip_source_buffer(archive, stored.data(), stored.size(), 0);
  if (source == nullptr) throw ZipError("cannot add " + std::string(name) + ": " + zip_strerror(archive));
  const zip_int64_t index = zip_file_add(archive, std::string(name).c_str(), source, ZIP_FL_ENC_UTF_8);
  if (index < 0) {
    zip_source_free(source);
    throw ZipError("cannot add " + std::string(name) + ": " + zip_strerror(archive));
  }
  const auto i = static_cast<zip_uint64_t>(index);
  if (zip_set_file_compression(archive, i, ZIP_CM_DEFLATE, 0) != 0 ||
      zip_file_set_mtime(archive, i, kEntryMtime, 0) != 0) {
    throw ZipError("cannot set up " + std::string(name) + ": " + zip_strerror(archive));
  }
}

std::string ZipWriter::finish() {
  if (handle_->archive == nullptr) throw ZipError("finish() called twice");
  if (zip_close(handle_->archive) != 0) {
    throw ZipError(std::string("cannot write the archive: ") + zip_strerror(handle_->archive));
  }
  handle_->archive = nullptr;
  zip_source_t* buffer = handle_->buffer;
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_source_stat(buffer, &st) != 0 || (st.valid & ZIP_STAT_SIZE) == 0) {
    throw ZipError("cannot size the written archive: " + error_text(zip_source_error(buffer)));
  }
  std::string bytes(static_cast<std::size_t>(st.size), '\0');
  if (zip_source_open(buffer) != 0) {
    throw ZipError("cannot reopen the written archive: " + error_text(zip_source_error(buffer)));
  }
  const zip_int64_t n = zip_source_read(buffer, bytes.data(), bytes.size());
  zip_source_close(buffer);
  if (n < 0 || static_cast<std::size_t>(n) != bytes.size()) {
    throw ZipError("cannot read back the written archive");
  }
  return bytes;
}

}  // namespace lshrs::zip
