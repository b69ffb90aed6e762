// A desktop entry's icon: the client library finds the entries of a base
// (desktop_entries_for), this reads their Icon key.
#pragma once

#include <QIcon>
#include <string>

namespace aalayer::settings {

// The Icon of the [Desktop Entry] group of the file at `path`: a theme's
// icon by name, or a file by its absolute path; a generic one without it.
QIcon desktop_icon(const std::string& path);

}  // namespace aalayer::settings
