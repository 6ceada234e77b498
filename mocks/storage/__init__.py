"""Microsoft.Storage of the local Azure; importing it registers its resource types."""

from . import models as models
